package dev.subdesk.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.subdesk.events.EventType;
import dev.subdesk.shared.Page;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A receiver whose answer is no HTTP: a status line or a header line with U+0000 in it, written on a raw socket. The
 * attempt is recorded as a failed one (retried on the schedule, counted towards disabling the endpoint), its error
 * without U+0000, rather than lost with a transaction PostgreSQL refused, the delivery claimed again and again for
 * ever and its subject's later events held up behind it. (httpcore5 5.3 already writes control characters in its
 * parser's complaints as {@code [0x..]}; the dispatcher stores every error as {@link
 * dev.subdesk.shared.StorableText#excerpt} for the messages that do not, see StorableTextTests.) A chunked body
 * that does not parse is recorded as the malformed answer it is, not as a timeout.
 */
@SubdeskIntegrationTest
class WebhookMalformedAnswersIntegrationTests extends WebhookTestSupport {

	@Test
	void aStatusLineWithU0000IsAFailedAttemptRetriedOnTheScheduleUntilTheEndpointIsDisabled() throws Exception {
		AtomicInteger requests = new AtomicInteger();
		ServerSocket server = answering(requests, "HTTP/1.1 2\u00000 OK\r\nContent-Length: 0\r\n\r\n");
		String id = endpoint(server);
		String subject = subject();
		append(subject);

		Delivery first = firstFailure(id);
		assertThat(first.status()).isEqualTo(Delivery.Status.PENDING);
		assertThat(first.lastStatusCode()).isNull();
		assertThat(first.lastError()).startsWith("could not connect: ").doesNotContain("\u0000");
		assertThat(first.nextAttemptAt()).isAfter(clock.instant());
		assertThat(endpoints.get(id).status()).isEqualTo(WebhookEndpoint.Status.ENABLED);

		// every attempt fails alike and counts: after 3 days the delivery is FAILED and the endpoint DISABLED
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
			clock.moveTo(clock.instant().plus(Duration.ofHours(5)));
			return endpoints.get(id).status() == WebhookEndpoint.Status.DISABLED;
		});
		Delivery delivery = endpoints.delivery(id, first.id());
		assertThat(delivery.status()).isEqualTo(Delivery.Status.FAILED);
		assertThat(delivery.nextAttemptAt()).isNull();
		assertThat(delivery.attempts()).isBetween(10, 14);
		assertThat(requests.get()).isEqualTo(delivery.attempts());
	}

	@Test
	void aHeaderLineWithU0000IsAFailedAttemptAndTheSubjectsNextEventFollowsOnTheSchedule() throws Exception {
		AtomicInteger requests = new AtomicInteger();
		ServerSocket server = answering(requests, "HTTP/1.1 200 OK\r\nX-Broken\u0000Header\r\nContent-Length: 0\r\n\r\n");
		String id = endpoint(server);
		String subject = subject();
		append(subject);

		Delivery first = firstFailure(id);
		assertThat(first.status()).isEqualTo(Delivery.Status.PENDING);
		assertThat(first.lastError()).startsWith("could not connect: ").doesNotContain("\u0000");
		assertThat(first.attempts()).isEqualTo(1);

		// the subject's next event waits behind it, then both fail for good after 3 days, none claimed for ever
		append(subject);
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
			clock.moveTo(clock.instant().plus(Duration.ofHours(5)));
			return endpoints.deliveries(id, Page.Request.first(10)).data().stream()
				.filter(d -> d.status() == Delivery.Status.FAILED).count() == 2;
		});
		assertThat(endpoints.get(id).status()).isEqualTo(WebhookEndpoint.Status.DISABLED);
		assertThat(endpoints.deliveries(id, Page.Request.first(10)).data())
			.allSatisfy(d -> assertThat(d.lastError()).doesNotContain("\u0000"));
	}

	/**
	 * A chunked body with a chunk size that is no number: the attempt is recorded as the malformed answer it is (the
	 * parser's complaint), not as "no answer within 10 s", and is retried and counted as any failed attempt.
	 */
	@Test
	void aMalformedChunkSizeIsRecordedAsAMalformedAnswerAndRetriedUntilTheEndpointIsDisabled() throws Exception {
		AtomicInteger requests = new AtomicInteger();
		ServerSocket server = answering(requests,
				"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
		String id = endpoint(server);
		append(subject());

		Delivery first = firstFailure(id);
		assertThat(first.status()).isEqualTo(Delivery.Status.PENDING);
		assertThat(first.lastStatusCode()).isNull();
		assertThat(first.lastError()).startsWith("malformed answer: ").doesNotContain("no answer within");
		assertThat(first.nextAttemptAt()).isAfter(clock.instant());
		assertThat(endpoints.get(id).status()).isEqualTo(WebhookEndpoint.Status.ENABLED);

		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).until(() -> {
			clock.moveTo(clock.instant().plus(Duration.ofHours(5)));
			return endpoints.get(id).status() == WebhookEndpoint.Status.DISABLED;
		});
		Delivery delivery = endpoints.delivery(id, first.id());
		assertThat(delivery.status()).isEqualTo(Delivery.Status.FAILED);
		assertThat(delivery.lastError()).startsWith("malformed answer: ");
		assertThat(requests.get()).isEqualTo(delivery.attempts());
	}

	private Delivery firstFailure(String endpointId) {
		await().atMost(Duration.ofSeconds(20))
			.until(() -> endpoints.deliveries(endpointId, Page.Request.first(5)).data().stream()
				.anyMatch(d -> d.attempts() == 1 && d.lastError() != null));
		return endpoints.deliveries(endpointId, Page.Request.first(5)).data().getFirst();
	}

	private String endpoint(ServerSocket server) {
		return register("http://127.0.0.1:" + server.getLocalPort() + "/hook", List.of("*"), "test").endpoint().id();
	}

	private static String subject() {
		return subject("sub_t");
	}

	private void append(String subject) {
		append(EventType.CHARGE_FAILED, subject);
	}

	/** A loopback port answering every request, once read whole, with {@code answer}'s bytes, then closing. */
	private ServerSocket answering(AtomicInteger requests, String answer) throws IOException {
		ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		closedAfterTheTest(server);
		Thread.ofVirtual().start(() -> {
			while (!server.isClosed()) {
				try {
					Socket socket = server.accept();
					Thread.ofVirtual().start(() -> {
						try (socket) {
							read(socket);
							requests.incrementAndGet();
							socket.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
							socket.getOutputStream().flush();
						}
						catch (IOException e) {
							// the client gave up
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

	private static void read(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
			int b = in.read();
			if (b < 0) {
				throw new IOException("the request ended in its head");
			}
			head.write(b);
		}
		Matcher length = Pattern.compile("(?im)^content-length: *(\\d+)").matcher(head.toString(StandardCharsets.US_ASCII));
		in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0);
	}
}
