package dev.subdesk.checkout;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * R-US-2 asks for the consent record for at least 3 years, or 1 year after the contract ends, whichever is longer.
 * Once both have passed by the server's clock (3 calendar years since {@code accepted_at}, and the subscription it
 * bought ended, {@code subscriptions.ended_at}, more than 1 calendar year ago, both in UTC), the consent loses the
 * buyer's client address and user agent, the only things in it that describe the person rather than the sale. The
 * record itself stays: who (the account and the subscription), when, the disclosure with the terms and price shown,
 * its exact wording and SHA-256, the method and the channel. A contract that has not ended keeps its evidence,
 * however old. The same fields are erased at once when the account closes ({@link Consents}).
 * <p>
 * An acceptance whose purchase sold nothing (ABANDONED: declined, or recorded nothing after its charge, whose money
 * went back) has no contract: it is kept as the evidence of the attempt for the same 3 years since its acceptance
 * (a dispute of the charge given back, a card network's question), then loses the client address and user agent the
 * same way. One still PENDING (its purchase under way) is left alone.
 * <p>
 * Every 24 hours the consents that still hold either field and are older than 3 years are read along their index
 * (V406) in slices of {@value #SLICE}, the contract ends of their subscriptions are asked from the subscriptions
 * module ({@link ContractEnds}), and those past both limits are erased, one statement per slice: any node may run it,
 * and running it twice changes nothing.
 */
@Component
class ConsentEvidenceRetention {

	static final int SLICE = 1000;

	/** How long after the consent its evidence is kept at least. */
	static final Period AFTER_CONSENT = Period.ofYears(3);

	/** How long after the end of the contract its consent's evidence is kept at least. */
	static final Period AFTER_CONTRACT_END = Period.ofYears(1);

	private static final String CANDIDATES = """
			SELECT id, subscription_id, status, accepted_at, seq FROM consents
			WHERE (ip_address IS NOT NULL OR user_agent IS NOT NULL) AND accepted_at < :consentedBefore
			  AND (accepted_at, seq) > (:afterAt, :afterSeq)
			ORDER BY accepted_at, seq LIMIT :slice
			""";

	private static final String ERASE = """
			UPDATE consents SET ip_address = NULL, user_agent = NULL
			WHERE subscription_id = ANY(CAST(:subscriptions AS text[])) AND accepted_at < :consentedBefore
			  AND (ip_address IS NOT NULL OR user_agent IS NOT NULL)
			""";

	private static final String ERASE_ABANDONED = """
			UPDATE consents SET ip_address = NULL, user_agent = NULL
			WHERE id = ANY(CAST(:ids AS text[])) AND status = 'ABANDONED' AND accepted_at < :consentedBefore
			  AND (ip_address IS NOT NULL OR user_agent IS NOT NULL)
			""";

	/** A consent holding evidence; {@code subscriptionId} null unless COMPLETED. */
	private record Candidate(String id, @Nullable String subscriptionId, String status, Timestamp acceptedAt, long seq) {
	}

	private final JdbcClient jdbc;
	private final ContractEnds contractEnds;
	private final Clock clock;

	ConsentEvidenceRetention(JdbcClient jdbc, ContractEnds contractEnds, Clock clock) {
		this.jdbc = jdbc;
		this.contractEnds = contractEnds;
		this.clock = clock;
	}

	/** Erases the client address and user agent of the consents past both limits; returns how many. */
	@Scheduled(fixedDelayString = "${subdesk.checkout.consent-evidence-purge-interval:PT24H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	int purge() {
		OffsetDateTime now = clock.instant().atOffset(ZoneOffset.UTC);
		Timestamp consentedBefore = Timestamp.from(now.minus(AFTER_CONSENT).toInstant());
		Instant endedBefore = now.minus(AFTER_CONTRACT_END).toInstant();
		Timestamp afterAt = Timestamp.from(Instant.EPOCH);
		long afterSeq = 0;
		int erased = 0;
		List<Candidate> slice;
		do {
			slice = jdbc.sql(CANDIDATES)
				.param("consentedBefore", consentedBefore)
				.param("afterAt", afterAt)
				.param("afterSeq", afterSeq)
				.param("slice", SLICE)
				.query((rs, n) -> new Candidate(rs.getString("id"), rs.getString("subscription_id"),
						rs.getString("status"), rs.getTimestamp("accepted_at"), rs.getLong("seq")))
				.list();
			if (slice.isEmpty()) {
				break;
			}
			List<String> subscriptions = new ArrayList<>(slice.size());
			List<String> abandoned = new ArrayList<>();
			for (Candidate c : slice) {
				String subscription = c.subscriptionId();
				if (subscription != null) {
					subscriptions.add(subscription);
				}
				else if ("ABANDONED".equals(c.status())) {
					abandoned.add(c.id());
				}
			}
			if (!abandoned.isEmpty()) {
				erased += jdbc.sql(ERASE_ABANDONED)
					.param("ids", abandoned.toArray(String[]::new))
					.param("consentedBefore", consentedBefore)
					.update();
			}
			List<String> ended = subscriptions.isEmpty() ? List.of()
					: List.copyOf(contractEnds.endedBefore(subscriptions, endedBefore));
			if (!ended.isEmpty()) {
				erased += jdbc.sql(ERASE)
					.param("subscriptions", ended.toArray(String[]::new))
					.param("consentedBefore", consentedBefore)
					.update();
			}
			Candidate last = slice.getLast();
			afterAt = last.acceptedAt();
			afterSeq = last.seq();
		}
		while (slice.size() == SLICE);
		return erased;
	}
}
