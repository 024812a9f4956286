package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

/**
 * One IMMEDIATE cancellation with a money-back refund, over HTTP, reads each row it needs once and writes in few
 * statements (issue 13): every SQL statement the application prepares is recorded (a {@link DataSource} proxy of this
 * test's own context) while the cancel request runs, from the request to the refund's settlement after commit. The
 * quote before it is counted the same way. A mail server is configured, as in production, so that each notice is
 * queued for delivery too (nothing listens on it: delivery fails and waits, on its own thread).
 */
@Import(OneCancellationReadsEachRowOnceIntegrationTests.RecordStatements.class)
@TestPropertySource(properties = { "spring.mail.host=127.0.0.1", "spring.mail.port=1" })
class OneCancellationReadsEachRowOnceIntegrationTests extends ApiIntegrationTest {

	/**
	 * The statements prepared, or sent as plain statements, while recording is on, by any thread (the dispatcher's,
	 * the sealer's and the mail delivery's filtered out).
	 */
	static final List<String> recorded = new CopyOnWriteArrayList<>();

	static volatile boolean recording;

	@Autowired
	JdbcClient jdbc;

	@Test
	void anImmediateCancellationWithARefundReadsEachRowOnceAndWritesEachTableInOneStatement() {
		// a cancellation before, so that the one counted finds what is made once (the receipts' signing key)
		String earlier = fixtures.subscribe(fixtures.accountWithVisa(), "antivirus-annual");
		assertThat(api.post("/subscriptions/" + earlier + "/cancel", Map.of("mode", "IMMEDIATE")).status()).isEqualTo(200);
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		assertThat(api.post("/subscriptions/" + subscription + "/cancellation-quote", Map.of()).status()).isEqualTo(200);

		List<String> statements = recordWhile(() -> assertThat(
				api.post("/subscriptions/" + subscription + "/cancel", Map.of("mode", "IMMEDIATE")).status())
			.isEqualTo(200));

		assertThat(fixtures.subscription(subscription).text("status")).isEqualTo("CANCELLED");
		assertThat(fixtures.charges(account)).allSatisfy(c -> assertThat(c.path("status").asString()).isEqualTo("REFUNDED"));
		// each row fetched once: the account (locked, found from the subscription's id), the subscription and its
		// add-ons (locked, in one statement; none here), the latest charge (locked, with its card); the refund is settled as recorded,
		// the gateway token of its card returned by the statement that writes it
		assertThat(reading(statements, "accounts")).as(String.join("\n", statements)).hasSize(1);
		assertThat(reading(statements, "subscriptions")).as(String.join("\n", statements)).singleElement()
			.satisfies(s -> assertThat(s).contains("WHERE id = ? OR parent_id = ?").contains("FOR UPDATE"));
		assertThat(reading(statements, "charges")).as(String.join("\n", statements)).hasSize(1);
		assertThat(reading(statements, "refunds")).as(String.join("\n", statements)).isEmpty();
		assertThat(reading(statements, "payment_methods")).as("the card is read with the charge").hasSize(1);
		// each table written in one statement: the charge with its refund, the cancellation with its items and links
		// (claiming its confirmation number: no lock, no check before)
		assertThat(writing(statements, "charges")).hasSize(1);
		assertThat(writing(statements, "cancellations")).hasSize(1);
		assertThat(writing(statements, "subscriptions")).hasSize(1);
		// each notice (the refund's, the confirmation) queued for delivery by the statement that stores it
		assertThat(writing(statements, "notices")).as(String.join("\n", statements)).hasSize(2)
			.allSatisfy(s -> assertThat(s).contains("INSERT INTO notice_outbox"));
		assertThat(writing(statements, "notice_outbox")).as(String.join("\n", statements)).hasSize(2);
		assertThat(jdbc.sql("""
				SELECT count(*) FROM notices n JOIN notice_outbox o ON o.notice_id = n.id WHERE n.account_id = :account
				  AND n.type IN ('CANCELLATION_CONFIRMATION', 'REFUND_ISSUED')""")
			.param("account", account).query(Long.class).single()).isEqualTo(2);
		// the cancel transaction: 3 reads, 8 writes (the refund with its charge, 2 notices, the cancellation, the
		// subscription, its event, its devices, the audit entry); the settlement after commit: the gateway's ledger,
		// the refund, its event, the receipt's signature
		assertThat(statements).as(String.join("\n", statements))
			.noneMatch(s -> s.contains("pg_advisory_xact_lock"))
			.noneMatch(s -> s.matches("(?is).*EXISTS\\s*\\(\\s*SELECT.*FROM cancellations.*"))
			.hasSizeLessThanOrEqualTo(15);
	}

	@Test
	void aQuoteReadsTheSubscriptionWithItsHolderAndThePriceChangesWithItsPendingOnesInOneStatementEach() {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");

		List<String> statements = recordWhile(() -> assertThat(
				api.post("/subscriptions/" + subscription + "/cancellation-quote", Map.of()).status()).isEqualTo(200));

		// the subscription (with its add-ons) and the account holding it: one statement
		assertThat(reading(statements, "subscriptions")).as(String.join("\n", statements)).singleElement()
			.satisfies(s -> assertThat(s).contains("JOIN accounts"));
		assertThat(reading(statements, "accounts")).as(String.join("\n", statements)).hasSize(1);
		// what its first renewal charges: its pending price change read with every change of the plans, one statement
		assertThat(reading(statements, "plan_price_changes")).as(String.join("\n", statements)).singleElement()
			.satisfies(s -> assertThat(s).contains("subscription_price_changes"));
		assertThat(reading(statements, "charges")).as(String.join("\n", statements)).hasSize(1);
		// reads: the subscription with its holder, the latest charge, the price changes; writes: the retention offer
		// and the audit entry
		assertThat(statements).as(String.join("\n", statements)).hasSizeLessThanOrEqualTo(5);
	}

	/** The statements of the application's own work while {@code action} runs (and its settlement, on its thread). */
	private static List<String> recordWhile(Runnable action) {
		recorded.clear();
		recording = true;
		try {
			action.run();
		}
		finally {
			recording = false;
		}
		return new ArrayList<>(recorded);
	}

	/**
	 * The SELECTs (locking ones too) that fetch rows of the table to the application: a subquery that only finds a
	 * key inside the same statement (the account's id from the subscription, the latest charge's id) is not one.
	 */
	private static List<String> reading(List<String> statements, String table) {
		Pattern from = Pattern.compile("(?is)\\b(FROM|JOIN)\\s+" + table + "\\b");
		return statements.stream().filter(s -> s.stripLeading().regionMatches(true, 0, "SELECT", 0, 6))
			.filter(s -> from.matcher(SUBQUERY.matcher(s).replaceAll("( )")).find())
			.toList();
	}

	private static final Pattern SUBQUERY = Pattern.compile("(?is)\\(\\s*SELECT[^()]*\\)");

	private static List<String> writing(List<String> statements, String table) {
		Pattern write = Pattern.compile("(?is)\\b(UPDATE|INSERT INTO)\\s+" + table + "\\b");
		return statements.stream().filter(s -> write.matcher(s).find()).toList();
	}

	/** Wraps the application's data source so that each statement it prepares is recorded while recording is on. */
	@TestConfiguration(proxyBeanMethods = false)
	static class RecordStatements {

		@Bean
		static BeanPostProcessor recordingDataSource() {
			return new BeanPostProcessor() {
				@Override
				public Object postProcessAfterInitialization(Object bean, String name) {
					return bean instanceof DataSource dataSource ? recording(dataSource) : bean;
				}
			};
		}

		private static DataSource recording(DataSource target) {
			return (DataSource) Proxy.newProxyInstance(RecordStatements.class.getClassLoader(),
					new Class<?>[] { DataSource.class }, (proxy, method, args) -> {
						Object result = invoke(target, method, args);
						return result instanceof Connection connection ? recording(connection) : result;
					});
		}

		private static Connection recording(Connection target) {
			return (Connection) Proxy.newProxyInstance(RecordStatements.class.getClassLoader(),
					new Class<?>[] { Connection.class }, (proxy, method, args) -> {
						if (args != null && args.length > 0 && args[0] instanceof String sql
								&& (method.getName().equals("prepareStatement") || method.getName().equals("prepareCall"))) {
							record(sql);
						}
						Object result = invoke(target, method, args);
						// a statement without parameters may be sent as a plain one (a SET, say): counted too
						return method.getName().equals("createStatement") ? recording((Statement) result) : result;
					});
		}

		private static Statement recording(Statement target) {
			return (Statement) Proxy.newProxyInstance(RecordStatements.class.getClassLoader(),
					new Class<?>[] { Statement.class }, (proxy, method, args) -> {
						if (args != null && args.length > 0 && args[0] instanceof String sql
								&& (method.getName().startsWith("execute") || method.getName().equals("addBatch"))) {
							record(sql);
						}
						return invoke(target, method, args);
					});
		}

		private static void record(String sql) {
			if (recording && !background()) {
				recorded.add(sql);
			}
		}

		/**
		 * The webhook dispatcher's loops and senders, the audit sealer and the mail delivery run beside the request:
		 * not its work.
		 */
		private static boolean background() {
			String thread = Thread.currentThread().getName();
			return thread.startsWith("webhook-") || thread.contains("seal") || thread.startsWith("scheduling-")
					|| thread.startsWith("smtp-delivery-");
		}

		private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
			try {
				return method.invoke(target, args);
			}
			catch (InvocationTargetException e) {
				throw e.getCause();
			}
		}
	}
}
