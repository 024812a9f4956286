package dev.subdesk.webhooks;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolReusePolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.jspecify.annotations.Nullable;

/**
 * The dispatcher's HTTP: one {@code POST} of an event at a time per calling thread (a virtual thread per attempt),
 * blocking, HTTP/1.1 over pooled keep-alive connections. Chosen over the JDK's {@link java.net.http.HttpClient},
 * whose asynchronous machinery (filters made by reflection for each request, a selector thread, completion stages)
 * was about 85 % of the CPU of a delivery in the webhook benchmark's profile.
 * <ul>
 * <li>The receiver has {@code timeout} in all to answer (connecting included): a deadline aborts an attempt that
 * a receiver keeps alive by trickling bytes, which a socket timeout alone would not.</li>
 * <li>Connections are made only to public addresses unless private ones are allowed: the addresses are checked when
 * the connection resolves the host, so a name that resolves elsewhere after {@link Destinations#problem} looked at it
 * (DNS rebinding) reaches nothing private.</li>
 * <li>An answer's status and header lines are bounded ({@value #ANSWER_LINE_LIMIT} characters a line,
 * {@value #ANSWER_HEADER_LIMIT} lines), and so is the part of its body read.</li>
 * <li>No redirects, no automatic retries (an attempt is sent once; the retry schedule is the dispatcher's), no
 * cookies, no compression.</li>
 * </ul>
 */
final class WebhookHttp implements AutoCloseable {

	private static final ContentType JSON = ContentType.create("application/json");

	/** The most of an answer's body read; a longer one closes its connection. */
	static final int ANSWER_BODY_LIMIT = 64 * 1024;

	/** The longest status or header line of an answer read (its trailers' too); a longer one is no answer. */
	static final int ANSWER_LINE_LIMIT = 8 * 1024;

	/** The most header lines of an answer read (its trailers' too); more is no answer. */
	static final int ANSWER_HEADER_LIMIT = 100;

	private final CloseableHttpClient client;
	private final ScheduledExecutorService deadlines;
	private final Duration timeout;

	/** How an attempt went: the status code, or why there is none. */
	sealed interface Answer {
	}

	record Status(int code) implements Answer {
	}

	record NoAnswer(String why) implements Answer {
	}

	WebhookHttp(Duration timeout, boolean allowPrivate) {
		this.timeout = timeout;
		Timeout limit = Timeout.of(timeout);
		this.client = HttpClients.custom()
			.setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
				.setDnsResolver(allowPrivate ? SystemDefaultDnsResolver.INSTANCE : PublicAddressesOnly.INSTANCE)
				// httpcore's defaults put no bound on a header line's length or on their number: a receiver could
				// send one endless line, buffered whole until the deadline (gigabytes on a fast link)
				.setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
					.http1Config(Http1Config.custom()
						.setMaxLineLength(ANSWER_LINE_LIMIT)
						.setMaxHeaderCount(ANSWER_HEADER_LIMIT)
						.build())
					.build())
				// the windows bound the attempts in flight per endpoint; the pool must not add a bound across
				// endpoints on one host (a slow one would hold back the others)
				.setMaxConnPerRoute(4_096)
				.setMaxConnTotal(16_384)
				.setConnPoolPolicy(PoolReusePolicy.LIFO)
				.setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(limit).setTcpNoDelay(true).build())
				.setDefaultConnectionConfig(ConnectionConfig.custom()
					.setConnectTimeout(limit)
					.setSocketTimeout(limit)
					// a receiver may have closed a connection idle this long: looked at before it is used again
					.setValidateAfterInactivity(TimeValue.ofSeconds(2))
					.setTimeToLive(TimeValue.ofMinutes(5))
					.build())
				.build())
			.setDefaultRequestConfig(RequestConfig.custom()
				.setConnectionRequestTimeout(limit)
				.setResponseTimeout(limit)
				.setRedirectsEnabled(false)
				.build())
			.disableRedirectHandling()
			.disableAutomaticRetries()
			.disableCookieManagement()
			.disableAuthCaching()
			.disableContentCompression()
			.setUserAgent("Subdesk-Webhooks/1.1")
			.evictIdleConnections(TimeValue.ofSeconds(30))
			.build();
		ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
				Thread.ofPlatform().name("webhook-deadlines").daemon().factory());
		timer.setRemoveOnCancelPolicy(true);
		this.deadlines = timer;
	}

	/**
	 * Posts {@code body} as JSON with {@code headers}. The answer's status is what counts; at most
	 * {@value #ANSWER_BODY_LIMIT} bytes of its body are read and dropped, so that the connection can be used again. A
	 * longer body is not read on: the connection is closed instead, whatever the receiver would still send. Why there
	 * is no status: {@code no answer within N s} (the deadline or a socket timeout), {@code malformed answer: ...}
	 * (the status came but its body did not parse or broke off: the parser's complaint), else
	 * {@code could not connect: ...} (no connection, or a status or header line that does not parse).
	 */
	Answer post(String url, Map<String, String> headers, String body) {
		HttpPost post;
		try {
			post = new HttpPost(URI.create(url));
		}
		catch (IllegalArgumentException e) {
			// an endpoint saved before its URL's check grew stricter
			return new NoAnswer("could not connect: " + e.getMessage());
		}
		headers.forEach(post::setHeader);
		post.setEntity(new ByteArrayEntity(body.getBytes(StandardCharsets.UTF_8), JSON));
		AtomicBoolean expired = new AtomicBoolean();
		ScheduledFuture<?> deadline = deadlines.schedule(() -> {
			expired.set(true);
			post.cancel();
		}, timeout.toNanos(), TimeUnit.NANOSECONDS);
		boolean answered = false;
		try {
			ClassicHttpResponse response = client.executeOpen(null, post, null);
			answered = true;
			boolean readWhole = false;
			try {
				readWhole = endsWithin(response.getEntity(), ANSWER_BODY_LIMIT);
			}
			finally {
				if (!readWhole) {
					post.cancel(); // the connection is dropped, not drained
				}
				closeQuietly(response);
			}
			return new Status(response.getCode());
		}
		catch (InterruptedIOException e) {
			// the deadline's abort, a socket timeout or a connect timeout
			return new NoAnswer("no answer within " + timeout.toSeconds() + " s");
		}
		catch (IOException e) {
			if (expired.get()) {
				return new NoAnswer("no answer within " + timeout.toSeconds() + " s");
			}
			if (answered) {
				// the status came, then the body did not parse (a chunk size that is no number: httpcore5's
				// MalformedChunkCodingException) or broke off (the connection closed within a chunk or before its
				// Content-Length: ConnectionClosedException, or reset): the attempt was cancelled above because of
				// that, not by the deadline, and the receiver is told what its answer did wrong
				return new NoAnswer("malformed answer: " + message(e));
			}
			return new NoAnswer("could not connect: " + message(e));
		}
		finally {
			deadline.cancel(false);
		}
	}

	private static String message(IOException e) {
		return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
	}

	/** Reads and drops the body; whether it ended within {@code limit} bytes. */
	private static boolean endsWithin(@Nullable HttpEntity entity, int limit) throws IOException {
		if (entity == null) {
			return true;
		}
		InputStream in = entity.getContent();
		if (in == null) {
			return true;
		}
		byte[] buffer = new byte[8192];
		long read = 0;
		int n;
		while ((n = in.read(buffer)) >= 0) {
			read += n;
			if (read > limit) {
				return false;
			}
		}
		return true;
	}

	private static void closeQuietly(ClassicHttpResponse response) {
		try {
			response.close();
		}
		catch (IOException e) {
			// an aborted connection: nothing more to release
		}
	}

	@Override
	public void close() {
		deadlines.shutdownNow();
		client.close(CloseMode.GRACEFUL);
	}

	/** The system's resolver, refusing a host with any address that is not public ({@link Destinations}). */
	private static final class PublicAddressesOnly extends SystemDefaultDnsResolver {

		static final PublicAddressesOnly INSTANCE = new PublicAddressesOnly();

		@Override
		public InetAddress[] resolve(String host) throws UnknownHostException {
			InetAddress[] addresses = super.resolve(host);
			for (InetAddress address : addresses) {
				if (!Destinations.isPublic(address)) {
					throw new UnknownHostException(host + " resolves to a loopback, private, link-local or multicast"
							+ " address");
				}
			}
			return addresses;
		}
	}
}
