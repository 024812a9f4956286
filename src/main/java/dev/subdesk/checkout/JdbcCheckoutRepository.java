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
			    price_amount, renewal_price_amount, currency, term, trial_days, first_charge_at, rules, created_at, expires_at,
			    origin)
			VALUES (:id, :account, :plan, :parent, :jurisdiction, :text, :sha, :price, :renewal, :currency, :term, :trial,
			    :firstCharge, :rules, :created, :expires, :origin)
			""";

	private static final String SELECT_DISCLOSURE = "SELECT * FROM disclosures WHERE id = :id";

	/** An acceptance before its purchase's charge: PENDING, with the id its subscription will have (V510). */
	private static final String INSERT_ACCEPTANCE = """
			INSERT INTO consents (id, purchase_id, status, account_id, disclosure_id, text, text_sha256, method, channel,
			    accepted_at, ip_address, user_agent, control_words)
			VALUES (:id, :purchase, 'PENDING', :account, :disclosure, :text, :sha, :method, :channel, :at, :ip, :agent,
			    :words)
			""";

	/** The purchase recorded its subscription: its acceptance becomes the sale's consent record. */
	private static final String COMPLETE = """
			UPDATE consents SET subscription_id = :purchase, status = 'COMPLETED'
			WHERE purchase_id = :purchase AND status <> 'COMPLETED'
			""";

	/** The purchase made nothing: its acceptance stays as the evidence of an attempt that sold nothing. */
	private static final String ABANDON = """
			UPDATE consents SET status = 'ABANDONED' WHERE purchase_id = :purchase AND status = 'PENDING'
			""";

	private static final String CONSENTS_OF_ACCOUNT = """
			SELECT * FROM consents WHERE account_id = :account AND status = 'COMPLETED'
			ORDER BY accepted_at DESC, seq DESC
			""";

	private static final String CONSENTS_OF_SUBSCRIPTION = """
			SELECT * FROM consents WHERE subscription_id = :subscription AND status = 'COMPLETED'
			ORDER BY accepted_at DESC, seq DESC
			""";

	private static final String CONSENT_OF_DISCLOSURE = """
			SELECT * FROM consents WHERE disclosure_id = :disclosure AND status = 'COMPLETED'
			""";

	/**
	 * The account's disclosure of the same plan, parent, terms and words that a page may show again: one the page wrote
	 * (never one of the API, whose caller may still send it with a purchase), unexpired until {@code :minimum} at
	 * least, held by no purchase (a hold runs in real time, on the database's clock: {@link Consents#claim}), and
	 * accepted by none (an attempt that sold nothing aside).
	 */
	private static final String REUSABLE_DISCLOSURE = """
			SELECT * FROM disclosures d
			WHERE d.account_id = :account AND d.plan_code = :plan AND d.origin = 'CHECKOUT'
			  AND d.parent_subscription_id IS NOT DISTINCT FROM CAST(:parent AS text)
			  AND d.text_sha256 = :sha AND d.jurisdiction = :jurisdiction AND d.currency = :currency
			  AND d.price_amount = :price AND d.renewal_price_amount = :renewal AND d.trial_days = :trial
			  AND d.term = :term AND d.created_at <= :now AND d.expires_at >= :minimum
			  AND (d.claimed_until IS NULL OR d.claimed_until <= statement_timestamp())
			  AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.disclosure_id = d.id AND c.status <> 'ABANDONED')
			ORDER BY d.expires_at DESC, d.seq DESC
			LIMIT 1
			""";

	private static final String ERASE_CLIENT = """
			UPDATE consents SET ip_address = NULL, user_agent = NULL
			WHERE account_id = :account AND (ip_address IS NOT NULL OR user_agent IS NOT NULL)
			""";

	/**
	 * Holds a disclosure for a purchase, in real time on the database's clock ({@code statement_timestamp()}, the same
	 * for every node), never on the clock bean, which demo and test mode move: see {@link Consents#claim}.
	 */
	private static final String CLAIM = """
			UPDATE disclosures SET claimed_by = :by,
			    claimed_until = statement_timestamp() + CAST(:holdMillis AS bigint) * interval '1 millisecond'
			WHERE id = :id AND (claimed_until IS NULL OR claimed_until <= statement_timestamp() OR claimed_by = :by)
			""";

	/** Whether a purchase holds the disclosure now, in real time (as {@link #CLAIM} measures a hold). */
	private static final String CLAIMED = """
			SELECT count(*) FROM disclosures WHERE id = :id AND claimed_until > statement_timestamp()
			""";

	/** Whether a disclosure of a jurisdiction with so many trial days asks with a separate checkbox (Disclosures). */
	@FunctionalInterface
	interface SeparateCheckbox {
		boolean asks(String jurisdiction, int trialDays);
	}

	private final JdbcClient jdbc;

	JdbcCheckoutRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	/** Stores a new disclosure, written where {@code origin} says. */
	void insert(Disclosure d, DisclosureOrigin origin) {
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
			.param("origin", origin.name())
			.update();
	}

	Optional<Disclosure> disclosure(String id, SeparateCheckbox separateCheckbox) {
		return jdbc.sql(SELECT_DISCLOSURE).param("id", id).query((rs, n) -> mapDisclosure(rs, separateCheckbox)).optional();
	}

	/**
	 * A disclosure like {@code fresh} (same account, plan, parent, jurisdiction, prices, trial, term and text) that
	 * the page can show again instead: written by the page ({@link DisclosureOrigin#CHECKOUT}), valid until
	 * {@code minimum} at least, held by no purchase, backing no consent.
	 */
	Optional<Disclosure> reusable(Disclosure fresh, Timestamp minimum, Timestamp now,
			SeparateCheckbox separateCheckbox) {
		return jdbc.sql(REUSABLE_DISCLOSURE)
			.param("account", fresh.accountId())
			.param("plan", fresh.planCode())
			.param("parent", fresh.parentSubscriptionId())
			.param("sha", fresh.textSha256())
			.param("jurisdiction", fresh.jurisdiction())
			.param("currency", fresh.price().currency())
			.param("price", fresh.price().amount())
			.param("renewal", fresh.renewalPrice().amount())
			.param("trial", fresh.trialDays())
			.param("term", fresh.term())
			.param("now", now)
			.param("minimum", minimum)
			.query((rs, n) -> mapDisclosure(rs, separateCheckbox))
			.optional();
	}

	/** Writes an acceptance, PENDING, before its purchase's charge. */
	void insertAcceptance(Consent c, String purchaseId) {
		jdbc.sql(INSERT_ACCEPTANCE)
			.param("id", c.id())
			.param("purchase", purchaseId)
			.param("account", c.accountId())
			.param("disclosure", c.disclosureId())
			.param("text", c.text())
			.param("sha", c.textSha256())
			.param("method", c.method().name())
			.param("channel", c.channel().name())
			.param("at", Timestamp.from(c.acceptedAt()))
			.param("ip", c.ipAddress())
			.param("agent", c.userAgent())
			.param("words", c.controlWords())
			.update();
	}

	/** Links the acceptance of the purchase to its subscription (of the same id); how many rows it completed. */
	int complete(String purchaseId) {
		return jdbc.sql(COMPLETE).param("purchase", purchaseId).update();
	}

	/** Marks the PENDING acceptance of a purchase that made nothing ABANDONED. */
	int abandon(String purchaseId) {
		return jdbc.sql(ABANDON).param("purchase", purchaseId).update();
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

	/**
	 * Holds a disclosure for the purchase {@code by} for {@code hold} in real time; false when another one holds it.
	 */
	boolean claim(String disclosureId, String by, java.time.Duration hold) {
		return jdbc.sql(CLAIM).param("id", disclosureId).param("by", by).param("holdMillis", hold.toMillis())
			.update() == 1;
	}

	/** Lets go of a disclosure the purchase {@code by} holds. */
	void release(String disclosureId, String by) {
		jdbc.sql("UPDATE disclosures SET claimed_by = NULL, claimed_until = NULL WHERE id = :id AND claimed_by = :by")
			.param("id", disclosureId).param("by", by).update();
	}

	/** Whether a purchase holds the disclosure now, in real time. */
	boolean claimed(String disclosureId) {
		return jdbc.sql(CLAIMED).param("id", disclosureId).query(Long.class).single() > 0;
	}

	int eraseClient(String accountId) {
		return jdbc.sql(ERASE_CLIENT).param("account", accountId).update();
	}

	private static Disclosure mapDisclosure(ResultSet rs, SeparateCheckbox separateCheckbox)
			throws SQLException {
		String currency = rs.getString("currency");
		String jurisdiction = rs.getString("jurisdiction");
		return new Disclosure(rs.getString("id"), rs.getString("account_id"), rs.getString("plan_code"),
				rs.getString("parent_subscription_id"), jurisdiction, rs.getString("text"), rs.getString("text_sha256"),
				Money.of(rs.getLong("price_amount"), currency), Money.of(rs.getLong("renewal_price_amount"), currency),
				rs.getString("term"), rs.getInt("trial_days"), rs.getTimestamp("first_charge_at").toInstant(),
				strings(rs.getArray("rules")), separateCheckbox.asks(jurisdiction, rs.getInt("trial_days")),
				rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("expires_at").toInstant());
	}

	private static Consent mapConsent(ResultSet rs, int row) throws SQLException {
		return new Consent(rs.getString("id"), rs.getString("subscription_id"), rs.getString("account_id"),
				rs.getString("disclosure_id"), rs.getString("text"), rs.getString("text_sha256"),
				ConsentMethod.valueOf(rs.getString("method")), ConsentChannel.valueOf(rs.getString("channel")),
				rs.getTimestamp("accepted_at").toInstant(), rs.getString("ip_address"), rs.getString("user_agent"),
				rs.getString("control_words"), rs.getLong("seq"));
	}

	private static List<String> strings(@Nullable Array array) throws SQLException {
		return array == null ? List.of() : List.copyOf(Arrays.asList((String[]) array.getArray()));
	}
}
