package dev.subdesk.checkout;

import dev.subdesk.shared.Money;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Disclosures and consent records. */
@Repository
class JdbcCheckoutRepository {

	private static final String INSERT_DISCLOSURE = """
			INSERT INTO disclosures (id, account_id, plan_code, parent_subscription_id, jurisdiction, text, text_sha256,
			    price_amount, renewal_price_amount, currency, term, trial_days, first_charge_at, rules, created_at, expires_at)
			VALUES (:id, :account, :plan, :parent, :jurisdiction, :text, :sha, :price, :renewal, :currency, :term, :trial,
			    :firstCharge, :rules, :created, :expires)
			""";

	private static final String SELECT_DISCLOSURE = "SELECT * FROM disclosures WHERE id = :id";

	private static final String INSERT_CONSENT = """
			INSERT INTO consents (id, subscription_id, account_id, disclosure_id, text, text_sha256, method, channel,
			    accepted_at, ip_address, user_agent)
			VALUES (:id, :subscription, :account, :disclosure, :text, :sha, :method, :channel, :at, :ip, :agent)
			""";

	private static final String CONSENTS_OF_ACCOUNT = """
			SELECT * FROM consents WHERE account_id = :account ORDER BY accepted_at DESC, seq DESC
			""";

	private static final String CONSENTS_OF_SUBSCRIPTION = """
			SELECT * FROM consents WHERE subscription_id = :subscription ORDER BY accepted_at DESC, seq DESC
			""";

	private static final String CONSENT_OF_DISCLOSURE = "SELECT * FROM consents WHERE disclosure_id = :disclosure";

	private static final String ERASE_CLIENT = """
			UPDATE consents SET ip_address = NULL, user_agent = NULL
			WHERE account_id = :account AND (ip_address IS NOT NULL OR user_agent IS NOT NULL)
			""";

	private static final String CLAIM = """
			UPDATE disclosures SET claimed_by = :by, claimed_until = :until
			WHERE id = :id AND (claimed_until IS NULL OR claimed_until <= :now OR claimed_by = :by)
			""";

	private final JdbcClient jdbc;

	JdbcCheckoutRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	void insert(Disclosure d) {
		jdbc.sql(INSERT_DISCLOSURE)
			.param("id", d.id())
			.param("account", d.accountId())
			.param("plan", d.planCode())
			.param("parent", d.parentSubscriptionId())
			.param("jurisdiction", d.jurisdiction())
			.param("text", d.text())
			.param("sha", d.textSha256())
			.param("price", d.price().amount())
			.param("renewal", d.renewalPrice().amount())
			.param("currency", d.price().currency())
			.param("term", d.term())
			.param("trial", d.trialDays())
			.param("firstCharge", Timestamp.from(d.firstChargeAt()))
			.param("rules", d.rules().toArray(String[]::new))
			.param("created", Timestamp.from(d.createdAt()))
			.param("expires", Timestamp.from(d.expiresAt()))
			.update();
	}

	Optional<Disclosure> disclosure(String id, java.util.function.Predicate<String> separateCheckbox) {
		return jdbc.sql(SELECT_DISCLOSURE).param("id", id).query((rs, n) -> mapDisclosure(rs, separateCheckbox)).optional();
	}

	void insert(Consent c) {
		jdbc.sql(INSERT_CONSENT)
			.param("id", c.id())
			.param("subscription", c.subscriptionId())
			.param("account", c.accountId())
			.param("disclosure", c.disclosureId())
			.param("text", c.text())
			.param("sha", c.textSha256())
			.param("method", c.method().name())
			.param("channel", c.channel().name())
			.param("at", Timestamp.from(c.acceptedAt()))
			.param("ip", c.ipAddress())
			.param("agent", c.userAgent())
			.update();
	}

	List<Consent> ofAccount(String accountId) {
		return jdbc.sql(CONSENTS_OF_ACCOUNT).param("account", accountId).query(JdbcCheckoutRepository::mapConsent).list();
	}

	List<Consent> ofSubscription(String subscriptionId) {
		return jdbc.sql(CONSENTS_OF_SUBSCRIPTION)
			.param("subscription", subscriptionId)
			.query(JdbcCheckoutRepository::mapConsent)
			.list();
	}

	Optional<Consent> ofDisclosure(String disclosureId) {
		return jdbc.sql(CONSENT_OF_DISCLOSURE)
			.param("disclosure", disclosureId)
			.query(JdbcCheckoutRepository::mapConsent)
			.optional();
	}

	/** Holds a disclosure for the purchase {@code by} until {@code until}; false when another one holds it. */
	boolean claim(String disclosureId, String by, Timestamp now, Timestamp until) {
		return jdbc.sql(CLAIM).param("id", disclosureId).param("by", by).param("now", now).param("until", until)
			.update() == 1;
	}

	/** Lets go of a disclosure the purchase {@code by} holds. */
	void release(String disclosureId, String by) {
		jdbc.sql("UPDATE disclosures SET claimed_by = NULL, claimed_until = NULL WHERE id = :id AND claimed_by = :by")
			.param("id", disclosureId).param("by", by).update();
	}

	/** Whether a purchase holds the disclosure at {@code now}. */
	boolean claimed(String disclosureId, Timestamp now) {
		return jdbc.sql("SELECT count(*) FROM disclosures WHERE id = :id AND claimed_until > :now")
			.param("id", disclosureId).param("now", now).query(Long.class).single() > 0;
	}

	int eraseClient(String accountId) {
		return jdbc.sql(ERASE_CLIENT).param("account", accountId).update();
	}

	private static Disclosure mapDisclosure(ResultSet rs, java.util.function.Predicate<String> separateCheckbox)
			throws SQLException {
		String currency = rs.getString("currency");
		String jurisdiction = rs.getString("jurisdiction");
		return new Disclosure(rs.getString("id"), rs.getString("account_id"), rs.getString("plan_code"),
				rs.getString("parent_subscription_id"), jurisdiction, rs.getString("text"), rs.getString("text_sha256"),
				Money.of(rs.getLong("price_amount"), currency), Money.of(rs.getLong("renewal_price_amount"), currency),
				rs.getString("term"), rs.getInt("trial_days"), rs.getTimestamp("first_charge_at").toInstant(),
				strings(rs.getArray("rules")), separateCheckbox.test(jurisdiction),
				rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("expires_at").toInstant());
	}

	private static Consent mapConsent(ResultSet rs, int row) throws SQLException {
		return new Consent(rs.getString("id"), rs.getString("subscription_id"), rs.getString("account_id"),
				rs.getString("disclosure_id"), rs.getString("text"), rs.getString("text_sha256"),
				ConsentMethod.valueOf(rs.getString("method")), ConsentChannel.valueOf(rs.getString("channel")),
				rs.getTimestamp("accepted_at").toInstant(), rs.getString("ip_address"), rs.getString("user_agent"),
				rs.getLong("seq"));
	}

	private static List<String> strings(@Nullable Array array) throws SQLException {
		return array == null ? List.of() : List.copyOf(Arrays.asList((String[]) array.getArray()));
	}
}
