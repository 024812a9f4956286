package dev.subdesk.stores;

import dev.subdesk.shared.StoppableJob;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Polls Google Play's Voided Purchases API ({@code purchases.voidedpurchases.list}, {@link PlayVoidedPurchasesApi})
 * and records each voided order of one of our store subscriptions as the store's refund ({@link StoreSync#voided}):
 * a push's read of the purchase ({@code subscriptionsv2}) cannot tell a revocation from an expiry, this list can.
 * <p>
 * Google filters the list by when its systems saw a purchase voided, at most 30 days back. The cursor
 * ({@code store_voided_cursors}, one row per package name) keeps {@code seen_until}: a window from there (less
 * {@link #OVERLAP}, re-read for records Google indexes late; no earlier than {@link #WINDOW} less
 * {@link #WINDOW_MARGIN}) to now less {@link #END_LAG} is read page by page, each page applied before the cursor
 * moves: to the next page's token (kept with the window's end, so that the next run goes on with it) or, after the
 * last page, {@code seen_until} to the window's end. An entry read twice (an overlap, a page read again after a
 * failure) is recorded once, and a purchase token of none of our subscriptions is ignored; so is an order of an earlier
 * period than the one a subscription of ours runs now ({@link StoreSync#voided}); one whose period cannot be placed
 * opens a support case instead. A call that fails, or an answer that is not a list, leaves the cursor as it was: the
 * next run asks again from there (a page token Google refuses restarts its window). A run is bounded by
 * {@code subdesk.stores.google.api.voided-purchases-run-limit} and {@link #PAGES_PER_RUN}, and ends once the node
 * is stopping (it asks for no other page: the cursor is where the last page left it); it runs on one node at a time
 * (a session-level advisory lock, on a connection of its own, held while Google is asked: never a transaction held
 * open over a call). It does nothing unless Google Play's package name and the Play Developer API's service account
 * key are configured.
 */
@Component
class VoidedPurchases extends StoppableJob {

	/** How far back Google lists voided purchases. */
	static final Duration WINDOW = Duration.ofDays(30);

	/** How much inside Google's window the earliest start stays, so that our clock and Google's may differ a little. */
	static final Duration WINDOW_MARGIN = Duration.ofHours(1);

	/** How much of the window read last is read again, for records Google's systems list a little late. */
	static final Duration OVERLAP = Duration.ofMinutes(10);

	/** How far behind now a window ends: Google refuses an end after its own now. */
	static final Duration END_LAG = Duration.ofMinutes(1);

	/** Entries asked for a page: Google's largest. */
	static final int MAX_RESULTS = 1000;

	/** The most pages one run reads; the rest wait for the next run (the cursor keeps the page token). */
	static final int PAGES_PER_RUN = 20;

	private static final String LOCK_KEY = "store-voided-purchases";

	private static final String CREATE = """
			INSERT INTO store_voided_cursors (package_name, seen_until, updated_at) VALUES (:package, :seen, :now)
			ON CONFLICT (package_name) DO NOTHING
			""";

	private static final String SELECT = """
			SELECT seen_until, window_end, page_token FROM store_voided_cursors WHERE package_name = :package
			""";

	private static final String NEXT_PAGE = """
			UPDATE store_voided_cursors SET window_end = :end, page_token = :token, updated_at = :now
			WHERE package_name = :package
			""";

	private static final String WINDOW_DONE = """
			UPDATE store_voided_cursors SET seen_until = :end, window_end = NULL, page_token = NULL, updated_at = :now
			WHERE package_name = :package
			""";

	private static final String WINDOW_RESTARTS = """
			UPDATE store_voided_cursors SET window_end = NULL, page_token = NULL, updated_at = :now
			WHERE package_name = :package
			""";

	private static final Logger log = LoggerFactory.getLogger(VoidedPurchases.class);

	private final JdbcClient jdbc;
	private final DataSource dataSource;
	private final ObjectProvider<PlayVoidedPurchasesApi> api;
	private final StoreSync sync;
	private final StoresProperties properties;
	private final Clock clock;
	private final Duration runLimit;

	VoidedPurchases(JdbcClient jdbc, DataSource dataSource, ObjectProvider<PlayVoidedPurchasesApi> api, StoreSync sync,
			StoresProperties properties, Clock clock,
			@Value("${subdesk.stores.google.api.voided-purchases-run-limit:PT30S}") Duration runLimit) {
		this.jdbc = jdbc;
		this.dataSource = dataSource;
		this.api = api;
		this.sync = sync;
		this.properties = properties;
		this.clock = clock;
		this.runLimit = runLimit;
	}

	/**
	 * What one run did: {@code result} {@code OFF} (not configured), {@code BUSY} (another node runs),
	 * {@code CAUGHT_UP} (the window's last page was read), {@code MORE} (pages are left to the next run),
	 * {@code FAILED} (Google could not be asked, or an entry not recorded: the cursor stays); the pages read, the
	 * subscriptions recorded as refunded, the entries read again ({@code DUPLICATE}, or a refund already recorded),
	 * the entries of no subscription of ours, those that could not be read, and the orders of no period a subscription
	 * of ours runs now nor of the last period of one its purchase billed before ({@link StoreSync#EARLIER_ORDER}), and
	 * those whose period cannot be placed, each left to a support case ({@link StoreSync#UNPLACED}).
	 */
	record Run(String result, int pages, int refunded, int repeated, int unknown, int unreadable, int earlier,
			int unplaced) {

		static Run of(String result) {
			return new Run(result, 0, 0, 0, 0, 0, 0, 0);
		}
	}

	@Scheduled(fixedDelayString = "${subdesk.stores.google.api.voided-purchases-interval:PT30M}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	void tick() {
		try {
			Run run = run();
			if (run.refunded() > 0 || run.unplaced() > 0 || "FAILED".equals(run.result())) {
				log.info("Google Play voided purchases: {}", run);
			}
		}
		catch (RuntimeException e) {
			log.warn("Google Play voided purchases failed; the next run asks again from the cursor", e);
		}
	}

	Run run() {
		String packageName = properties.google() == null ? null : properties.google().packageName();
		PlayVoidedPurchasesApi google = api.getIfAvailable();
		if (packageName == null || packageName.isBlank() || google == null) {
			return Run.of("OFF");
		}
		try (NodeLock lock = new NodeLock(dataSource)) {
			if (!lock.tryHold(LOCK_KEY + ":" + packageName)) {
				return Run.of("BUSY");
			}
			return poll(google, packageName);
		}
	}

	private record Cursor(Instant seenUntil, @Nullable Instant windowEnd, @Nullable String pageToken) {
	}

	private Cursor cursor(String packageName, Instant now) {
		jdbc.sql(CREATE)
			.param("package", packageName)
			.param("seen", Timestamp.from(now.minus(WINDOW).plus(WINDOW_MARGIN)))
			.param("now", Timestamp.from(now))
			.update();
		return jdbc.sql(SELECT).param("package", packageName).query((rs, row) -> {
			Timestamp end = rs.getTimestamp("window_end");
			return new Cursor(rs.getTimestamp("seen_until").toInstant(), end == null ? null : end.toInstant(),
					rs.getString("page_token"));
		}).single();
	}

	private Run poll(PlayVoidedPurchasesApi google, String packageName) {
		long started = System.nanoTime(); // elapsed real time: the test clock does not move while a call waits
		int pages = 0;
		int refunded = 0;
		int repeated = 0;
		int unknown = 0;
		int unreadable = 0;
		int earlier = 0;
		int unplaced = 0;
		while (true) {
			if (stopping() || Thread.currentThread().isInterrupted() || pages >= PAGES_PER_RUN
					|| System.nanoTime() - started >= runLimit.toNanos()) {
				return new Run("MORE", pages, refunded, repeated, unknown, unreadable, earlier, unplaced);
			}
			Instant now = clock.instant();
			Cursor cursor = cursor(packageName, now);
			Instant earliest = now.minus(WINDOW).plus(WINDOW_MARGIN);
			Instant start = cursor.seenUntil().minus(OVERLAP);
			if (start.isBefore(earliest)) {
				// a window under way (a page token) began at its first page's earliest start; only a new one can be late
				if (cursor.pageToken() == null && cursor.seenUntil().isBefore(earliest)) {
					log.warn("Google Play voided purchases: not polled since {}; Google lists only the last {} days, so "
							+ "what it saw voided before {} is not read", cursor.seenUntil(), WINDOW.toDays(), earliest);
				}
				start = earliest;
			}
			Instant end = cursor.windowEnd() != null ? cursor.windowEnd() : now.minus(END_LAG);
			if (cursor.pageToken() == null && !end.isAfter(start)) {
				return new Run("CAUGHT_UP", pages, refunded, repeated, unknown, unreadable, earlier, unplaced);
			}
			long read = sync.numberRead(); // before the list is asked for: a purchase's read sent earlier is stale
			PlayVoidedPurchasesApi.VoidedPage page;
			try {
				page = google.list(packageName,
						new PlayVoidedPurchasesApi.Query(start, end, cursor.pageToken(), MAX_RESULTS));
			}
			catch (PlayVoidedPurchasesApi.PageTokenRefused e) {
				log.warn("Google Play voided purchases: {}; the window from {} is read again", e.getMessage(),
						cursor.seenUntil());
				jdbc.sql(WINDOW_RESTARTS).param("now", Timestamp.from(now)).param("package", packageName).update();
				return new Run("FAILED", pages, refunded, repeated, unknown, unreadable, earlier, unplaced);
			}
			catch (RuntimeException e) {
				log.warn("Google Play voided purchases could not be read: {}; asked again from the cursor at the next run",
						e.getMessage());
				return new Run("FAILED", pages, refunded, repeated, unknown, unreadable, earlier, unplaced);
			}
			pages++;
			for (String why : page.unreadable()) {
				log.warn("Google Play voided purchases: an entry left out: {}", why);
			}
			unreadable += page.unreadable().size();
			for (PlayVoidedPurchasesApi.Voided voided : page.purchases()) {
				String outcome;
				try {
					outcome = sync.voided(voided, read);
				}
				catch (RuntimeException e) {
					log.warn("Google Play voided order {} of the purchase whose token hashes to {} could not be recorded; "
							+ "the page is read again at the next run", voided.orderId(),
							StoreFields.tokenHash(voided.purchaseToken()), e);
					return new Run("FAILED", pages, refunded, repeated, unknown, unreadable, earlier, unplaced);
				}
				switch (outcome) {
					case "APPLIED" -> refunded++;
					case "UNKNOWN" -> unknown++;
					case StoreSync.EARLIER_ORDER -> earlier++;
					case StoreSync.UNPLACED -> unplaced++;
					default -> repeated++;
				}
			}
			Instant at = clock.instant();
			if (page.nextPageToken() != null) {
				jdbc.sql(NEXT_PAGE)
					.param("end", Timestamp.from(end))
					.param("token", page.nextPageToken())
					.param("now", Timestamp.from(at))
					.param("package", packageName)
					.update();
				continue;
			}
			jdbc.sql(WINDOW_DONE)
				.param("end", Timestamp.from(end))
				.param("now", Timestamp.from(at))
				.param("package", packageName)
				.update();
			return new Run("CAUGHT_UP", pages, refunded, repeated, unknown, unreadable, earlier, unplaced);
		}
	}

	/**
	 * A session-level advisory lock on a connection of its own (as the billing sweep holds its renewal claims), so that
	 * one node polls at a time without a transaction held open while Google answers; closing lets it go.
	 */
	private static final class NodeLock implements AutoCloseable {

		private final DataSource dataSource;

		private @Nullable Connection connection;

		private @Nullable JdbcClient session;

		NodeLock(DataSource dataSource) {
			this.dataSource = dataSource;
		}

		boolean tryHold(String key) {
			try {
				Connection opened = dataSource.getConnection();
				connection = opened;
				opened.setAutoCommit(true);
			}
			catch (SQLException e) {
				throw new IllegalStateException("No database connection for the voided purchases' lock", e);
			}
			JdbcClient open = JdbcClient.create(new SingleConnectionDataSource(Objects.requireNonNull(connection), true));
			session = open;
			return open.sql("SELECT pg_try_advisory_lock(hashtextextended(:key, 0))")
				.param("key", key)
				.query(Boolean.class)
				.single();
		}

		@Override
		public void close() {
			Connection opened = connection;
			if (opened == null) {
				return;
			}
			try {
				Objects.requireNonNull(session).sql("SELECT pg_advisory_unlock_all()").query().listOfRows();
			}
			catch (RuntimeException e) {
				log.warn("The voided purchases' lock could not be let go; its connection is closed", e);
			}
			finally {
				try {
					opened.close();
				}
				catch (SQLException e) {
					// the pool discards a broken connection
				}
			}
		}
	}
}
