package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The dispatcher's HTTP against raw local sockets: the whole answer must come within the timeout (a receiver that
 * keeps the connection busy by trickling bytes gets no more), only public addresses are connected to unless private
 * ones are allowed (checked at connect time, so DNS rebinding reaches nothing private), redirects are not followed,
 * and the request carries the headers and body it was given, as JSON.
 */
class WebhookHttpTests {

	private final List<AutoCloseable> closing = new ArrayList<>();

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable c : closing.reversed()) {
			c.close();
		}
	}

	@Test
	void aReceiverTricklingItsAnswerPastTheTimeoutGetsNoAnswerRecorded() throws Exception {
		// one header byte every 200 ms: no read waits a full second, the whole answer takes about 6 s
		ServerSocket server = serve(out -> {
			out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
			for (byte b : "X-Slow: abcdefghijklmnopqrstuvwxyz0123\r\n".getBytes(StandardCharsets.US_ASCII)) {
				out.write(b);
				out.flush();
				Thread.sleep(200);
			}
			out.write("Content-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
		});
		WebhookHttp http = http(Duration.ofSeconds(1), true);

		WebhookHttp.Answer answer = http.post(url(server), Map.of(), "{}");

		assertThat(answer).isEqualTo(new WebhookHttp.NoAnswer("no answer within 1 s"));
	}

	@Test
	void anAnswerWithinTheTimeoutIsItsStatusAndRedirectsAreNotFollowed() throws Exception {
		List<String> requests = new CopyOnWriteArrayList<>();
		ServerSocket server = serve(requests, out -> out.write(
				"HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"
					.getBytes(StandardCharsets.US_ASCII)));
		WebhookHttp http = http(Duration.ofSeconds(5), true);

		WebhookHttp.Answer answer = http.post(url(server), Map.of("webhook-id", "evt_1"), "{\"a\":\"é\"}");

		assertThat(answer).isEqualTo(new WebhookHttp.Status(307));
		assertThat(requests).singleElement().satisfies(request -> {
			assertThat(request).startsWith("POST /hook HTTP/1.1\r\n")
				.containsIgnoringCase("\r\ncontent-type: application/json\r\n")
				.containsIgnoringCase("\r\nwebhook-id: evt_1\r\n")
				.containsIgnoringCase("\r\ncontent-length: 10\r\n")
				.endsWith("\r\n\r\n{\"a\":\"é\"}");
		});
	}

	@Test
	void anEndlessAnswerIsNotReadPastItsLimitAndASmallOneKeepsTheConnection() throws Exception {
		AtomicLong written = new AtomicLong();
		ServerSocket server = serve(out -> {
			out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			byte[] chunk = new byte[64 * 1024];
			while (true) { // until the client closes the connection
				out.write(chunk);
				written.addAndGet(chunk.length);
			}
		});
		WebhookHttp http = http(Duration.ofSeconds(30), true);

		assertThat(http.post(url(server), Map.of(), "{}")).isEqualTo(new WebhookHttp.Status(200));
		// what was written beyond the limit sits in the two sockets' buffers at most, not 30 s of a fast loopback
		assertThat(written.get()).isLessThan(WebhookHttp.ANSWER_BODY_LIMIT + 64L * 1024 * 1024);

		AtomicInteger smallConnections = new AtomicInteger();
		ServerSocket small = serveKeepingAlive(smallConnections,
				"HTTP/1.1 202 Accepted\r\nContent-Length: 6\r\n\r\nthanks");
		for (int i = 0; i < 3; i++) {
			assertThat(http.post(url(small), Map.of(), "{}")).isEqualTo(new WebhookHttp.Status(202));
		}
		assertThat(smallConnections).as("a small answer read whole leaves its connection for the next").hasValue(1);
	}

	/**
	 * A receiver cannot make the client buffer its answer's header lines without end: one endless line, or lines
	 * without end, is no answer once past the limits, long before the deadline (httpcore's defaults have no limit, so
	 * the client read all that was sent and then waited out the deadline). The receivers send 16 MiB and then hold the
	 * connection, so the unbounded client would not run the test out of memory.
	 */
	@Test
	void anAnswersHeaderLinesAreBoundedInLengthAndNumber() throws Exception {
		byte[] letters = new byte[64 * 1024];
		java.util.Arrays.fill(letters, (byte) 'a');
		ServerSocket endlessLine = serve(out -> {
			out.write("HTTP/1.1 200 OK\r\nX-Endless: ".getBytes(StandardCharsets.US_ASCII));
			for (int i = 0; i < 256; i++) {
				out.write(letters);
			}
			out.flush();
			Thread.sleep(60_000);
		});
		ServerSocket endlessLines = serve(out -> {
			out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
			StringBuilder lines = new StringBuilder();
			for (int i = 0; i < 500_000; i++) {
				lines.append("X-").append(i).append(": v\r\n");
			}
			out.write(lines.toString().getBytes(StandardCharsets.US_ASCII));
			out.flush();
			Thread.sleep(60_000);
		});
		WebhookHttp http = http(Duration.ofSeconds(20), true);

		for (ServerSocket server : List.of(endlessLine, endlessLines)) {
			long started = System.nanoTime();
			WebhookHttp.Answer answer = http.post(url(server), Map.of(), "{}");

			assertThat(answer).isInstanceOfSatisfying(WebhookHttp.NoAnswer.class,
					no -> assertThat(no.why()).startsWith("could not connect: ").containsPattern("Maximum (line length limit|header count) exceeded"));
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
		}
	}

	/**
	 * A receiver whose chunked body is malformed (a chunk size that is no number, or the connection closed in the
	 * middle of a chunk) gets the parser's complaint recorded, at once, not "no answer within" the timeout it answered
	 * well within.
	 */
	@Test
	void aMalformedChunkedBodyIsAMalformedAnswerNotATimeout() throws Exception {
		ServerSocket badSize = serve(out -> out.write(
				"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"
					.getBytes(StandardCharsets.US_ASCII)));
		ServerSocket cutOff = serve(out -> out.write(
				"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc".getBytes(StandardCharsets.US_ASCII)));
		WebhookHttp http = http(Duration.ofSeconds(5), true);

		for (ServerSocket server : List.of(badSize, cutOff)) {
			long started = System.nanoTime();
			WebhookHttp.Answer answer = http.post(url(server), Map.of(), "{}");

			assertThat(answer).isInstanceOfSatisfying(WebhookHttp.NoAnswer.class,
					no -> assertThat(no.why()).startsWith("malformed answer: ").hasSizeGreaterThan(18));
			assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
		}
	}

	@Test
	void aUrlNoConnectionCanBeMadeToIsNoAnswer() {
		WebhookHttp http = http(Duration.ofSeconds(5), true);

		assertThat(http.post("http://127.0.0.1:70000/hook", Map.of(), "{}"))
			.isInstanceOfSatisfying(WebhookHttp.NoAnswer.class, no -> assertThat(no.why()).startsWith("could not connect: "));
	}

	@Test
	void withoutPrivateAddressesNothingLocalIsConnectedTo() throws Exception {
		AtomicInteger accepted = new AtomicInteger();
		ServerSocket server = serve(out -> {
			accepted.incrementAndGet();
			out.write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
		});
		WebhookHttp http = http(Duration.ofSeconds(5), false);

		for (String host : List.of("127.0.0.1", "localhost", "[::ffff:127.0.0.1]")) {
			WebhookHttp.Answer answer = http.post("http://" + host + ":" + server.getLocalPort() + "/hook", Map.of(),
					"{}");
			assertThat(answer).as(host).isInstanceOfSatisfying(WebhookHttp.NoAnswer.class,
					no -> assertThat(no.why()).startsWith("could not connect: ")
						.contains("resolves to a loopback, private, link-local or multicast address"));
		}
		assertThat(accepted).hasValue(0);
		assertThat(http(Duration.ofSeconds(5), true).post(url(server), Map.of(), "{}"))
			.as("the same receiver with private addresses allowed")
			.isEqualTo(new WebhookHttp.Status(204));
	}

	@FunctionalInterface
	interface Answering {

		void answer(OutputStream out) throws Exception;
	}

	private ServerSocket serve(Answering answering) throws IOException {
		return serve(new CopyOnWriteArrayList<>(), answering);
	}

	/** A receiver on a loopback port: reads each request whole into {@code requests}, then answers it. */
	private ServerSocket serve(List<String> requests, Answering answering) throws IOException {
		return listen(socket -> {
			requests.add(read(socket));
			answering.answer(socket.getOutputStream());
		});
	}

	/** A receiver answering every request on a connection with {@code answer}, counting its connections. */
	private ServerSocket serveKeepingAlive(AtomicInteger connections, String answer) throws IOException {
		return listen(socket -> {
			connections.incrementAndGet();
			while (true) {
				read(socket);
				socket.getOutputStream().write(answer.getBytes(StandardCharsets.US_ASCII));
				socket.getOutputStream().flush();
			}
		});
	}

	@FunctionalInterface
	interface Connection {

		void serve(Socket socket) throws Exception;
	}

	/** A loopback port whose every connection {@code connection} serves on a thread of its own, then closes. */
	private ServerSocket listen(Connection connection) throws IOException {
		ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		closing.add(server);
		Thread.ofVirtual().start(() -> {
			while (!server.isClosed()) {
				try {
					Socket socket = server.accept();
					Thread.ofVirtual().start(() -> {
						try (socket) {
							connection.serve(socket);
						}
						catch (Exception e) {
							// the client gave up or closed the connection
						}
					});
				}
				catch (IOException e) {
					return;
				}
			}
		});
		return server;
	}

	/** A request's head and its body (as many bytes as its {@code content-length} says), as UTF-8. */
	private static String read(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("the request ended in its head");
			}
			head.write(b);
		}
		String text = head.toString(StandardCharsets.US_ASCII);
		Matcher length = Pattern.compile("(?im)^content-length: *(\\d+)").matcher(text);
		byte[] body = in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
		return text + new String(body, StandardCharsets.UTF_8);
	}

	private WebhookHttp http(Duration timeout, boolean allowPrivate) {
		WebhookHttp http = new WebhookHttp(timeout, allowPrivate);
		closing.add(http);
		return http;
	}

	private static String url(ServerSocket server) {
		return "http://127.0.0.1:" + server.getLocalPort() + "/hook";
	}
}
