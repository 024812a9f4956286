import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * Load generator for the Subdesk cancellation flow (see bench/README.md).
 *
 * <p>Seeds accounts that each have a card and an {@code antivirus-annual} subscription, then has C
 * concurrent clients take subscriptions from a shared queue and run the cancellation flow over HTTP:
 * {@code POST /subscriptions/{id}/cancellation-quote} followed by {@code POST /subscriptions/{id}/cancel}.
 * A warm-up batch is cancelled first and not counted. Prints throughput, latency percentiles and errors,
 * ending with one machine-readable {@code RESULT} line. Needs only the JDK (21 or newer):
 *
 * <pre>java bench/CancelBench.java --url http://localhost:8080 --key KEY --accounts 2000 --clients 16</pre>
 */
public final class CancelBench {

	private static final String USAGE = """
			Usage: java bench/CancelBench.java [options]

			Seeds accounts with an antivirus-annual subscription each, then drives the cancellation flow
			(cancellation-quote + cancel) with concurrent clients and reports throughput and latency.

			Options:
			  --url URL        server base URL (default http://localhost:8080)
			  --key KEY        API key (default: environment variable SUBDESK_API_KEY)
			  --accounts N     measured cancellations, one seeded account each (default 2000)
			  --clients C      concurrent clients, for seeding and for cancelling (default 16)
			  --mode MODE      IMMEDIATE or END_OF_TERM (default IMMEDIATE)
			  --warmup W       extra accounts seeded and cancelled first, not counted (default 40000:
			                   on 2 cores the server's JIT still made 175 compilations, most of them C2's of
			                   the request path, in a measure phase after 10000 flows; 7-10 after 40000)
			  --before-measure CMD  a shell command run (and waited for) between the warm-up and the measure
			                   phase, e.g. a VACUUM ANALYZE of the database
			  --help           print this text

			The last line is machine-readable:
			  RESULT cancellations/s=... requests/s=... p50_ms=... p99_ms=... flow_p50_ms=... flow_p99_ms=... errors=... seed_errors=... generator_cpu_ms=...
			p50_ms/p99_ms cover every measured HTTP request (quotes and cancels); flow_* is quote+cancel end to end;
			generator_cpu_ms is this process's CPU time per measured flow (-1 if unknown).
			""";

	private final Options options;
	private final Api api;

	private CancelBench(Options options) {
		this.options = options;
		this.api = new Api(options.url(), options.apiKey());
	}

	public static void main(String[] args) {
		if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
			System.out.print(USAGE);
			return;
		}
		Options options;
		try {
			options = Options.parse(args, System.getenv("SUBDESK_API_KEY"));
		}
		catch (IllegalArgumentException e) {
			System.err.println("cancel-bench: " + e.getMessage());
			System.err.print(USAGE);
			System.exit(2);
			return;
		}
		new CancelBench(options).run();
	}

	private void run() {
		System.out.printf(Locale.ROOT, "Subdesk cancel bench: url=%s accounts=%d warmup=%d clients=%d mode=%s%n",
				options.url(), options.accounts(), options.warmup(), options.clients(), options.mode());
		Response preflight = api.get("/api/v1/plans");
		if (!preflight.ok()) {
			System.out.println("Server check failed (GET /api/v1/plans): " + preflight.describe());
			printResult(0, 0, Summary.EMPTY, Summary.EMPTY, 1, 0, -1);
			return;
		}

		SeedResult seeded = seed(options.warmup() + options.accounts());
		int warmupCount = Math.min(options.warmup(), seeded.subscriptionIds().size());
		List<String> warmupIds = seeded.subscriptionIds().subList(0, warmupCount);
		List<String> measuredIds = seeded.subscriptionIds().subList(warmupCount, seeded.subscriptionIds().size());

		if (!warmupIds.isEmpty()) {
			FlowResult warmup = cancelAll(warmupIds);
			System.out.printf(Locale.ROOT, "Warm-up: %d flows in %.2f s, errors=%d%n",
					warmupIds.size(), seconds(warmup.wallNanos()), warmup.recorded().errors.count());
			warmup.recorded().errors.print(System.out);
		}
		if (options.beforeMeasure() != null && !options.beforeMeasure().isBlank()
				&& !runBeforeMeasuring(options.beforeMeasure())) {
			System.out.println("Not measured: the command to run before measuring failed.");
			printResult(0, 0, Summary.EMPTY, Summary.EMPTY, 1, seeded.errors().count(), -1);
			return;
		}
		if (measuredIds.isEmpty()) {
			System.out.println("Nothing left to measure: seeding produced no subscriptions beyond the warm-up.");
			printResult(0, 0, Summary.EMPTY, Summary.EMPTY, 0, seeded.errors().count(), -1);
			return;
		}
		System.out.printf(Locale.ROOT, "Measuring %d quote+cancel flows with %d clients...%n",
				measuredIds.size(), options.clients());
		FlowResult measured = cancelAll(measuredIds);
		report(measured, seeded.errors().count());
	}

	/**
	 * Runs {@code sh -c command} between the warm-up and the measure phase and waits for it (its output is shown);
	 * true when it exited with status 0.
	 */
	private static boolean runBeforeMeasuring(String command) {
		long start = System.nanoTime();
		int exit;
		try {
			exit = new ProcessBuilder("sh", "-c", command).inheritIO().start().waitFor();
		}
		catch (IOException e) {
			exit = -1;
			System.out.println("Before measuring: could not run the command: " + e);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted before measuring", e);
		}
		System.out.printf(Locale.ROOT, "Before measuring: %s (%.2f s, exit status %d)%n", command,
				seconds(System.nanoTime() - start), exit);
		return exit == 0;
	}

	// ---- seeding -------------------------------------------------------------------------------------

	private SeedResult seed(int count) {
		System.out.printf(Locale.ROOT, "Seeding %d accounts (account, card, subscription) with %d clients...%n",
				count, options.clients());
		String runId = java.util.UUID.randomUUID().toString().substring(0, 8);
		String[] subscriptionIds = new String[count];
		LongAdder requests = new LongAdder();
		ErrorLog errors = new ErrorLog();
		long wallNanos = runConcurrently(options.clients(), count, i -> {
			subscriptionIds[i] = seedOne(runId, i, requests, errors);
		});
		List<String> ids = Arrays.stream(subscriptionIds).filter(Objects::nonNull).toList();
		System.out.printf(Locale.ROOT, "Seeded %d of %d in %.2f s: %.1f accounts/s, %.1f requests/s, errors=%d%n",
				ids.size(), count, seconds(wallNanos), perSecond(ids.size(), wallNanos),
				perSecond(requests.sum(), wallNanos), errors.count());
		errors.print(System.out);
		return new SeedResult(ids, errors);
	}

	/** Creates one account with a card and a subscription; returns the subscription id, or null on error. */
	private String seedOne(String runId, int index, LongAdder requests, ErrorLog errors) {
		String accountBody = """
				{"email":"bench-%s-%d@example.com","name":"Bench Customer %d","country":"DE"}"""
				.formatted(runId, index, index);
		String accountId = create("create account", "/api/v1/accounts", accountBody, requests, errors);
		if (accountId == null) {
			return null;
		}
		String cardId = create("add card", "/api/v1/accounts/" + accountId + "/payment-methods",
				"{\"token\":\"tok_visa\"}", requests, errors);
		if (cardId == null) {
			return null;
		}
		return create("subscribe", "/api/v1/subscriptions",
				"{\"accountId\":\"%s\",\"planCode\":\"antivirus-annual\"}".formatted(accountId), requests, errors);
	}

	/** POSTs a new resource and returns its id; records an error and returns null if that fails. */
	private String create(String step, String path, String body, LongAdder requests, ErrorLog errors) {
		Response response = api.post(path, body);
		requests.increment();
		String id = response.ok() ? Json.topLevelString(response.body(), "id") : null;
		if (id == null) {
			errors.record(step, path, response);
		}
		return id;
	}

	// ---- cancelling ----------------------------------------------------------------------------------

	private FlowResult cancelAll(List<String> subscriptionIds) {
		FlowRecorder recorder = new FlowRecorder(subscriptionIds.size());
		String cancelBody = "{\"mode\":\"%s\",\"reason\":\"NOT_USING\"}".formatted(options.mode());
		long cpuBefore = processCpuNanos();
		long wallNanos = runConcurrently(options.clients(), subscriptionIds.size(),
				i -> cancelOne(subscriptionIds.get(i), cancelBody, recorder));
		return new FlowResult(recorder, wallNanos, cpuBefore < 0 ? -1 : processCpuNanos() - cpuBefore);
	}

	/** One customer's flow: ask for the quote, then cancel (even if the quote failed). */
	private void cancelOne(String subscriptionId, String cancelBody, FlowRecorder recorder) {
		String base = "/api/v1/subscriptions/" + subscriptionId;
		Response quote = api.post(base + "/cancellation-quote", "{}");
		recorder.recordQuote(base + "/cancellation-quote", quote);
		Response cancel = api.post(base + "/cancel", cancelBody);
		recorder.recordCancel(base + "/cancel", cancel);
		if (quote.ok() && cancel.ok()) {
			recorder.flow.record(quote.nanos() + cancel.nanos());
		}
	}

	// ---- reporting -----------------------------------------------------------------------------------

	private void report(FlowResult result, long seedErrors) {
		FlowRecorder r = result.recorded();
		long wall = result.wallNanos();
		double cancellationsPerSecond = perSecond(r.cancellations.sum(), wall);
		double requestsPerSecond = perSecond(r.quote.size() + r.cancel.size(), wall);
		Summary quote = Summary.of(r.quote);
		Summary cancel = Summary.of(r.cancel);
		Summary all = Summary.of(r.quote, r.cancel);
		Summary flow = Summary.of(r.flow);

		PrintStream out = System.out;
		out.printf(Locale.ROOT, "Measure phase: %.3f s wall, %d cancellations completed%n",
				seconds(wall), r.cancellations.sum());
		out.printf(Locale.ROOT, "  cancellations/s  %10.1f%n", cancellationsPerSecond);
		out.printf(Locale.ROOT, "  requests/s       %10.1f%n", requestsPerSecond);
		out.printf(Locale.ROOT, "  %-14s %8s %8s %8s %8s %8s%n", "latency (ms)", "count", "p50", "p90", "p99", "max");
		printRow(out, "quote", quote);
		printRow(out, "cancel", cancel);
		printRow(out, "all requests", all);
		printRow(out, "quote+cancel", flow);
		out.printf(Locale.ROOT, "  errors %d%n", r.errors.count());
		r.errors.print(out);
		double generatorMs = result.cpuNanos() < 0 || r.quote.size() == 0 ? -1 : result.cpuNanos() / 1e6 / r.quote.size();
		out.printf(Locale.ROOT, "  load generator CPU %.2f ms a flow (this process, user + system)%n", generatorMs);
		printResult(cancellationsPerSecond, requestsPerSecond, all, flow, r.errors.count(), seedErrors, generatorMs);
	}

	private static void printRow(PrintStream out, String label, Summary s) {
		out.printf(Locale.ROOT, "  %-14s %8d %8.2f %8.2f %8.2f %8.2f%n", label, s.count(), s.p50(), s.p90(), s.p99(), s.max());
	}

	private static void printResult(double cancellationsPerSecond, double requestsPerSecond, Summary all,
			Summary flow, long errors, long seedErrors, double generatorCpuMs) {
		System.out.printf(Locale.ROOT,
				"RESULT cancellations/s=%.1f requests/s=%.1f p50_ms=%.2f p99_ms=%.2f flow_p50_ms=%.2f flow_p99_ms=%.2f errors=%d seed_errors=%d generator_cpu_ms=%.2f%n",
				cancellationsPerSecond, requestsPerSecond, all.p50(), all.p99(), flow.p50(), flow.p99(), errors, seedErrors,
				generatorCpuMs);
	}

	// ---- concurrency and arithmetic helpers ----------------------------------------------------------

	/** Runs task(0..tasks-1) on {@code clients} threads that share one counter; returns the wall time in ns. */
	private static long runConcurrently(int clients, int tasks, IntConsumer task) {
		AtomicInteger next = new AtomicInteger();
		Runnable worker = () -> {
			for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
				task.accept(i);
			}
		};
		long start = System.nanoTime();
		List<Thread> threads = new ArrayList<>();
		for (int c = 0; c < Math.min(clients, tasks); c++) {
			threads.add(Thread.ofPlatform().name("bench-client-" + c).start(worker));
		}
		for (Thread thread : threads) {
			try {
				thread.join();
			}
			catch (InterruptedException e) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("interrupted while waiting for the clients", e);
			}
		}
		return System.nanoTime() - start;
	}

	private static double seconds(long nanos) {
		return nanos / 1e9;
	}

	private static double perSecond(long count, long nanos) {
		return nanos == 0 ? 0 : count / seconds(nanos);
	}

	// ---- types ---------------------------------------------------------------------------------------

	/** Command-line options; later occurrences of an option win. */
	record Options(String url, String apiKey, int accounts, int clients, String mode, int warmup, String beforeMeasure) {

		private static final Set<String> NAMES = Set.of("--url", "--key", "--accounts", "--clients", "--mode", "--warmup",
				"--before-measure");

		static Options parse(String[] args, String envKey) {
			Map<String, String> values = new HashMap<>(Map.of(
					"--url", "http://localhost:8080", "--accounts", "2000", "--clients", "16",
					"--mode", "IMMEDIATE", "--warmup", "40000"));
			if (envKey != null && !envKey.isBlank()) {
				values.put("--key", envKey);
			}
			for (int i = 0; i < args.length; i++) {
				String arg = args[i];
				int eq = arg.indexOf('=');
				String name = eq > 0 ? arg.substring(0, eq) : arg;
				if (!NAMES.contains(name)) {
					throw new IllegalArgumentException("unknown option " + arg);
				}
				if (eq > 0) {
					values.put(name, arg.substring(eq + 1));
				}
				else if (i + 1 < args.length) {
					values.put(name, args[++i]);
				}
				else {
					throw new IllegalArgumentException("option " + name + " needs a value");
				}
			}
			String key = values.get("--key");
			if (key == null || key.isBlank()) {
				throw new IllegalArgumentException("no API key: pass --key or set SUBDESK_API_KEY");
			}
			String mode = values.get("--mode").toUpperCase(Locale.ROOT);
			if (!mode.equals("IMMEDIATE") && !mode.equals("END_OF_TERM")) {
				throw new IllegalArgumentException("--mode must be IMMEDIATE or END_OF_TERM");
			}
			String url = values.get("--url").replaceAll("/+$", "");
			URI uri = URI.create(url);
			if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
				throw new IllegalArgumentException("--url must be an http URL such as http://localhost:8080");
			}
			return new Options(url, key, number(values, "--accounts", 1), number(values, "--clients", 1), mode,
					number(values, "--warmup", 0), values.get("--before-measure"));
		}

		private static int number(Map<String, String> values, String name, int min) {
			try {
				int value = Integer.parseInt(values.get(name));
				if (value >= min) {
					return value;
				}
			}
			catch (NumberFormatException e) {
				// reported below
			}
			throw new IllegalArgumentException(name + " must be a whole number >= " + min);
		}
	}

	/** One HTTP exchange: status 0 means no response (the body then holds the exception). */
	record Response(int status, String body, long nanos) {

		boolean ok() {
			return status >= 200 && status < 300;
		}

		/** A short label for grouping errors, such as {@code HTTP 409 ALREADY_CANCELLED}. */
		String kind() {
			if (status == 0) {
				return body.contains(":") ? body.substring(0, body.indexOf(':')) : body;
			}
			String code = Json.topLevelString(body, "code");
			return "HTTP " + status + (code == null ? "" : " " + code);
		}

		String describe() {
			String text = body.length() > 300 ? body.substring(0, 300) + "..." : body;
			return (status == 0 ? "no response: " : "HTTP " + status + " ") + text;
		}
	}

	/**
	 * Thin JSON-over-HTTP/1.1 client with the API key; never throws for I/O problems. Each client thread keeps one
	 * connection of its own alive and writes and reads its requests on it with blocking socket calls: the load
	 * generator shares the two cores with the server and PostgreSQL, and {@code java.net.http.HttpClient} (its
	 * selector thread, executor hand-offs and publishers) cost about 0.6 ms of CPU a quote+cancel, some 8 % of all the
	 * CPU of a run. Understands what the server sends: a status line, headers, a body of a {@code Content-Length} or
	 * {@code chunked}; a {@code Connection: close} closes the connection after the answer.
	 */
	static final class Api {

		private static final int CONNECT_TIMEOUT_MS = 5_000;
		private static final int READ_TIMEOUT_MS = 30_000;

		private final String host;
		private final int port;
		private final String pathPrefix;
		private final byte[] headers;
		private final ThreadLocal<Connection> connection = new ThreadLocal<>();

		Api(String baseUrl, String apiKey) {
			URI uri = URI.create(baseUrl);
			if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
				throw new IllegalArgumentException("--url must be http://host[:port][/path], not " + baseUrl);
			}
			this.host = uri.getHost();
			this.port = uri.getPort() == -1 ? 80 : uri.getPort();
			this.pathPrefix = uri.getRawPath() == null ? "" : uri.getRawPath().replaceAll("/+$", "");
			this.headers = ("Host: " + host + ":" + port + "\r\nAuthorization: Bearer " + apiKey
					+ "\r\nAccept: application/json\r\nX-Actor: cancel-bench\r\n").getBytes(StandardCharsets.US_ASCII);
		}

		Response get(String path) {
			return send("GET", path, null);
		}

		Response post(String path, String json) {
			return send("POST", path, json.getBytes(StandardCharsets.UTF_8));
		}

		private Response send(String method, String path, byte[] body) {
			long start = System.nanoTime();
			byte[] request = request(method, path, body);
			while (true) {
				Connection open = connection.get();
				boolean reused = open != null;
				try {
					if (open == null) {
						open = new Connection(host, port);
						connection.set(open);
					}
					open.nothingRead = true;
					open.out.write(request);
					open.out.flush();
					Answer answer = open.read();
					if (answer.close()) {
						forget(open);
					}
					return new Response(answer.status(), answer.body(), System.nanoTime() - start);
				}
				catch (IOException e) {
					boolean nothingRead = open != null && open.nothingRead;
					forget(open);
					// a kept-alive connection the server had closed before reading this request: once more on a new one
					if (!(reused && nothingRead)) {
						return new Response(0, e.toString(), System.nanoTime() - start);
					}
				}
			}
		}

		private byte[] request(String method, String path, byte[] body) {
			StringBuilder head = new StringBuilder(128).append(method).append(' ').append(pathPrefix).append(path)
				.append(" HTTP/1.1\r\n");
			ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + (body == null ? 0 : body.length));
			bytes.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
			bytes.writeBytes(headers);
			if (body != null) {
				bytes.writeBytes(("Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				bytes.writeBytes(body);
			}
			else {
				bytes.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
			}
			return bytes.toByteArray();
		}

		private void forget(Connection open) {
			connection.remove();
			if (open != null) {
				open.close();
			}
		}

		private record Answer(int status, String body, boolean close) {
		}

		/** One keep-alive connection: a socket with buffered streams and the reading of one answer. */
		private static final class Connection {

			private final Socket socket;
			private final InputStream in;
			private final BufferedOutputStream out;
			private final byte[] buffer = new byte[16 * 1024];
			private int position;
			private int limit;
			private final StringBuilder line = new StringBuilder(128);
			private boolean nothingRead;

			Connection(String host, int port) throws IOException {
				socket = new Socket();
				try {
					socket.setTcpNoDelay(true);
					socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
					socket.setSoTimeout(READ_TIMEOUT_MS);
					in = socket.getInputStream();
					out = new BufferedOutputStream(socket.getOutputStream(), 4 * 1024);
				}
				catch (IOException e) {
					close();
					throw e;
				}
			}

			Answer read() throws IOException {
				String status = readLine();
				nothingRead = false;
				if (!status.startsWith("HTTP/1.") || status.length() < 12) {
					throw new IOException("not an HTTP/1.x status line: " + status);
				}
				int code = Integer.parseInt(status.substring(9, 12));
				long length = -1;
				boolean chunked = false;
				boolean close = status.startsWith("HTTP/1.0");
				for (String header = readLine(); !header.isEmpty(); header = readLine()) {
					int colon = header.indexOf(':');
					if (colon <= 0) {
						throw new IOException("malformed header: " + header);
					}
					String name = header.substring(0, colon).trim();
					String value = header.substring(colon + 1).trim();
					if (name.equalsIgnoreCase("Content-Length")) {
						length = Long.parseLong(value);
					}
					else if (name.equalsIgnoreCase("Transfer-Encoding")) {
						chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
					}
					else if (name.equalsIgnoreCase("Connection")) {
						close = value.equalsIgnoreCase("close");
					}
				}
				ByteArrayOutputStream body = new ByteArrayOutputStream(length > 0 ? (int) length : 512);
				if (chunked) {
					for (long size = chunkSize(); size > 0; size = chunkSize()) {
						copy(size, body);
						if (!readLine().isEmpty()) {
							throw new IOException("no line end after a chunk");
						}
					}
					while (!readLine().isEmpty()) {
						// trailers, none expected
					}
				}
				else if (length >= 0) {
					copy(length, body);
				}
				else if (code >= 200 && code != 204 && code != 304) {
					close = true; // the body runs to the end of the connection
					while (fill()) {
						body.write(buffer, position, limit - position);
						position = limit;
					}
				}
				return new Answer(code, body.toString(StandardCharsets.UTF_8), close);
			}

			private long chunkSize() throws IOException {
				String size = readLine();
				int extension = size.indexOf(';');
				return Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
			}

			private void copy(long count, ByteArrayOutputStream to) throws IOException {
				for (long left = count; left > 0;) {
					if (position == limit && !fill()) {
						throw new EOFException("the connection ended inside a body");
					}
					int take = (int) Math.min(left, limit - position);
					to.write(buffer, position, take);
					position += take;
					left -= take;
				}
			}

			/** Reads what the socket has into the emptied buffer; false at the end of the connection. */
			private boolean fill() throws IOException {
				position = 0;
				limit = Math.max(in.read(buffer), 0);
				return limit > 0;
			}

			/** A line of ASCII without its CRLF; an end of the connection before it is an {@link EOFException}. */
			private String readLine() throws IOException {
				line.setLength(0);
				while (true) {
					if (position == limit && !fill()) {
						throw new EOFException("the server closed the connection");
					}
					byte b = buffer[position++];
					if (b == '\n') {
						break;
					}
					if (b != '\r') {
						line.append((char) (b & 0xff));
					}
				}
				return line.toString();
			}

			void close() {
				try {
					socket.close();
				}
				catch (IOException e) {
					// nothing to do: the connection is dropped either way
				}
			}
		}
	}

	record SeedResult(List<String> subscriptionIds, ErrorLog errors) {
	}

	/** The CPU time (user and system) this load generator's process has used so far, -1 if the JVM cannot say. */
	static long processCpuNanos() {
		return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
				? os.getProcessCpuTime() : -1;
	}

	record FlowResult(FlowRecorder recorded, long wallNanos, long cpuNanos) {
	}

	/** What the clients of one cancel phase record, concurrently. */
	static final class FlowRecorder {

		final LatencyLog quote;
		final LatencyLog cancel;
		final LatencyLog flow;
		final LongAdder cancellations = new LongAdder();
		final ErrorLog errors = new ErrorLog();

		FlowRecorder(int flows) {
			quote = new LatencyLog(flows);
			cancel = new LatencyLog(flows);
			flow = new LatencyLog(flows);
		}

		void recordQuote(String path, Response response) {
			quote.record(response.nanos());
			if (!response.ok()) {
				errors.record("quote", path, response);
			}
		}

		void recordCancel(String path, Response response) {
			cancel.record(response.nanos());
			if (response.ok()) {
				cancellations.increment();
			}
			else {
				errors.record("cancel", path, response);
			}
		}
	}

	/** Latencies in nanoseconds, appended concurrently into a fixed array (the loops are bounded). */
	static final class LatencyLog {

		private final long[] nanos;
		private final AtomicInteger size = new AtomicInteger();

		LatencyLog(int capacity) {
			this.nanos = new long[capacity];
		}

		void record(long value) {
			nanos[size.getAndIncrement()] = value;
		}

		int size() {
			return size.get();
		}

		long[] values() {
			return Arrays.copyOf(nanos, size());
		}
	}

	/** Latency percentiles in milliseconds (nearest-rank). */
	record Summary(int count, double p50, double p90, double p99, double max) {

		static final Summary EMPTY = new Summary(0, 0, 0, 0, 0);

		static Summary of(LatencyLog... logs) {
			long[] all = Arrays.stream(logs).map(LatencyLog::values).flatMapToLong(Arrays::stream).sorted().toArray();
			if (all.length == 0) {
				return EMPTY;
			}
			return new Summary(all.length, percentile(all, 50), percentile(all, 90), percentile(all, 99),
					all[all.length - 1] / 1e6);
		}

		private static double percentile(long[] sorted, double p) {
			int rank = (int) Math.ceil(p / 100 * sorted.length);
			return sorted[Math.max(rank, 1) - 1] / 1e6;
		}
	}

	/** Counts errors by step and kind, and keeps the first few in full for printing. */
	static final class ErrorLog {

		private static final int SAMPLES = 5;

		private final Map<String, LongAdder> byKind = new ConcurrentHashMap<>();
		private final ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
		private final AtomicInteger sampled = new AtomicInteger();
		private final LongAdder count = new LongAdder();

		void record(String step, String path, Response response) {
			count.increment();
			byKind.computeIfAbsent(step + ": " + response.kind(), k -> new LongAdder()).increment();
			if (sampled.getAndIncrement() < SAMPLES) {
				samples.add(step + " POST " + path + " -> " + response.describe());
			}
		}

		long count() {
			return count.sum();
		}

		void print(PrintStream out) {
			new TreeMap<>(byKind).forEach((kind, n) -> out.printf(Locale.ROOT, "    %6d x %s%n", n.sum(), kind));
			if (!samples.isEmpty()) {
				out.println("    first errors:");
				samples.forEach(sample -> out.println("      " + sample));
			}
		}
	}

	/** Just enough JSON reading for the bench: string fields of the top-level object. */
	static final class Json {

		private Json() {
		}

		/** The string value of {@code field} in the top-level JSON object, or null if absent or not a string. */
		static String topLevelString(String json, String field) {
			int depth = 0;
			for (int i = 0; i < json.length(); i++) {
				char c = json.charAt(i);
				switch (c) {
					case '{', '[' -> depth++;
					case '}', ']' -> depth--;
					case '"' -> {
						StringBuilder token = new StringBuilder();
						i = readString(json, i, token);
						int colon = skipSpaces(json, i + 1);
						boolean isKey = colon < json.length() && json.charAt(colon) == ':';
						if (depth == 1 && isKey && token.toString().equals(field)) {
							int value = skipSpaces(json, colon + 1);
							if (value >= json.length() || json.charAt(value) != '"') {
								return null;
							}
							StringBuilder result = new StringBuilder();
							readString(json, value, result);
							return result.toString();
						}
					}
					default -> {
					}
				}
			}
			return null;
		}

		/** Reads the string literal whose opening quote is at {@code start}; returns the index of its closing quote. */
		private static int readString(String json, int start, StringBuilder out) {
			int i = start + 1;
			while (i < json.length() && json.charAt(i) != '"') {
				char c = json.charAt(i);
				if (c == '\\' && i + 1 < json.length()) {
					char escaped = json.charAt(++i);
					switch (escaped) {
						case 'n' -> out.append('\n');
						case 't' -> out.append('\t');
						case 'r' -> out.append('\r');
						case 'b' -> out.append('\b');
						case 'f' -> out.append('\f');
						case 'u' -> {
							out.append(hexChar(json, i + 1));
							i += 4;
						}
						default -> out.append(escaped);
					}
				}
				else {
					out.append(c);
				}
				i++;
			}
			return i;
		}

		/** The character of the four hex digits at {@code from}, or U+FFFD if they are not there. */
		private static char hexChar(String json, int from) {
			if (from + 4 > json.length()) {
				return '\uFFFD';
			}
			try {
				return (char) Integer.parseInt(json, from, from + 4, 16);
			}
			catch (NumberFormatException e) {
				return '\uFFFD';
			}
		}

		private static int skipSpaces(String json, int from) {
			int i = from;
			while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
				i++;
			}
			return i;
		}
	}
}
