package dev.subdesk.webhooks;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.function.ToIntFunction;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A vendor's webhook receiver on a local port (the JDK's HttpServer): it records every request with its headers and
 * answers with the status {@link #answer} gives; while {@link #hold()} is on, it keeps each request waiting (or, after
 * {@link #holdAfter(int)}, each request that arrives once that many are recorded).
 */
final class Receiver implements AutoCloseable {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	/** A request as it arrived, and the status it was answered with. */
	record Received(String id, String timestamp, String signature, String contentType, String body, int answered) {

		JsonNode json() {
			return JSON.readTree(body);
		}
	}

	private final HttpServer server;
	private final List<Received> received = new CopyOnWriteArrayList<>();
	private volatile ToIntFunction<String> answer = body -> 204;
	/** Completed when the held requests go on: with the status to answer them, or null for {@link #answer}'s. */
	private volatile CompletableFuture<Integer> held = CompletableFuture.completedFuture(null);
	private volatile int holdFrom = Integer.MAX_VALUE;

	Receiver() throws IOException {
		server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
		server.createContext("/hook", exchange -> {
			try {
				String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
				Integer verdict = null;
				boolean wait = received.size() >= holdFrom; // read before the gate: holdAfter writes it after
				CompletableFuture<Integer> gate = held;
				if (wait) {
					try {
						verdict = gate.get(60, TimeUnit.SECONDS);
					}
					catch (TimeoutException | ExecutionException e) {
						// held too long: answered as if released
					}
				}
				int status = verdict != null ? verdict : answer.applyAsInt(body);
				var headers = exchange.getRequestHeaders();
				received.add(new Received(headers.getFirst("webhook-id"), headers.getFirst("webhook-timestamp"),
						headers.getFirst("webhook-signature"), headers.getFirst("content-type"), body, status));
				exchange.sendResponseHeaders(status, -1);
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
			}
			finally {
				exchange.close();
			}
		});
		server.start();
	}

	String url() {
		return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
	}

	void answer(IntSupplier status) {
		this.answer = body -> status.getAsInt();
	}

	/** Answers each request with the status {@code status} gives for its body. */
	void answerByBody(ToIntFunction<String> status) {
		this.answer = status;
	}

	/** Keeps every request waiting until {@link #release()}. */
	void hold() {
		holdAfter(0);
	}

	/** Keeps each request that arrives once {@code recorded} requests are recorded waiting until a release. */
	void holdAfter(int recorded) {
		held = new CompletableFuture<>();
		holdFrom = recorded;
	}

	void release() {
		releaseWith(null);
	}

	/**
	 * Lets the held requests go on, each answered with {@code status} (whatever {@link #answer} says); the requests
	 * that come after are answered as {@link #answer} says.
	 */
	void releaseAnswering(int status) {
		releaseWith(status);
	}

	private void releaseWith(@Nullable Integer status) {
		CompletableFuture<Integer> gate = held;
		holdFrom = Integer.MAX_VALUE;
		gate.complete(status);
	}

	List<Received> received() {
		return List.copyOf(received);
	}

	/** The requests it answered with a 2xx. */
	List<Received> accepted() {
		return received.stream().filter(r -> r.answered() >= 200 && r.answered() < 300).toList();
	}

	@Override
	public void close() {
		release();
		server.stop(0);
	}
}
