package dev.subdesk.intake;

import dev.subdesk.shared.ClientAddresses;
import dev.subdesk.shared.EmailAddresses;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * How often the public forms ("Cancel contracts here", "Withdraw from contract here") may be sent: at most
 * {@code perEmail} requests naming one email address (as the customer's or as the confirmation's) in
 * {@code emailWindow}, and {@code perIp} requests from one client address (an IPv6 one by its /64, {@link ClientAddresses}) in
 * {@code ipWindow}; and a request that would open a case on an account is held to {@link PublicCaseAllowance}. Each request can
 * send an acknowledgement or open a support case that tells an account holder, so without a limit one form would
 * flood a stranger's inbox and the support desk. The limit is the same for every email, whether or not an account
 * or contract has it, so it reveals nothing. Parallel requests naming the same email or sent from the same address
 * wait for each other ({@link LimitLocks}), so they cannot pass a limit together. Only a hash of each email is
 * kept, and only for the longer window (a day): {@link #forgetOld} deletes older rows every hour.
 */
@Service
public class PublicFormLimits {

	private static final String COUNT_BY_IP = """
			SELECT count(DISTINCT request_id) FROM public_form_sends WHERE client_ip = :ip AND sent_at > :since
			""";

	/**
	 * The most requests any of {@code :hashes} is named in; the owner's own email in the owner's requests only, those
	 * sent signed in apart from those not.
	 */
	private static final String MOST_BY_EMAIL = """
			SELECT coalesce(max(n), 0) FROM (
			  SELECT count(*) AS n FROM public_form_sends WHERE email_hash IN (:hashes) AND sent_at > :since
			    AND ((owners AND signed_in = :signedIn) OR email_hash <> :ownersHash)
			  GROUP BY email_hash) counted
			""";

	private static final String INSERT = """
			INSERT INTO public_form_sends (request_id, sent_at, client_ip, email_hash, owners, signed_in)
			VALUES (:id, :at, :ip, :hash, :owners, :signedIn)
			ON CONFLICT DO NOTHING
			""";

	private static final String FORGET_OLD = "DELETE FROM public_form_sends WHERE sent_at < :before";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final int perEmail;
	private final Duration emailWindow;
	private final int perIp;
	private final Duration ipWindow;

	public PublicFormLimits(JdbcClient jdbc, Clock clock,
			@Value("${subdesk.portal.public-requests-per-email:10}") int perEmail,
			@Value("${subdesk.portal.public-requests-email-window:P1D}") Duration emailWindow,
			@Value("${subdesk.portal.public-requests-per-ip:30}") int perIp,
			@Value("${subdesk.portal.public-requests-ip-window:PT15M}") Duration ipWindow) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.perEmail = perEmail;
		this.emailWindow = emailWindow;
		this.perIp = perIp;
		this.ipWindow = ipWindow;
	}

	/**
	 * Counts a request from {@code clientIp} naming {@code emails} and answers true, or answers false and counts
	 * nothing when either limit is reached. In an owner's request ({@code ownersEmail}: the email of the account whose
	 * contract the request names), that email is held to the limit by the owner's requests only: a stranger who fills
	 * a form with someone's email again and again, as theirs or as the address for the confirmation, uses up the
	 * allowance of strangers' requests naming it, never the owner's own way to cancel or withdraw online. The other
	 * emails of any request (a confirmation address) count as strangers' do. Not signed in: see
	 * {@link #allow(String, Collection, String, boolean)}.
	 */
	@Transactional
	public boolean allow(String typedClientIp, Collection<String> emails, @Nullable String ownersEmail) {
		return allow(typedClientIp, emails, ownersEmail, false);
	}

	/**
	 * As {@link #allow(String, Collection, String)}; {@code signedIn}: the request is sent from a browser signed in to
	 * the portal as the account whose email {@code ownersEmail} is (proven by a sign-in code from its mailbox). Typing
	 * the owner's email and order number proves nothing, so a stranger who does can use up the allowance of the
	 * owner's requests not signed in; the requests sent signed in have an allowance of their own, the same size, which
	 * no request not signed in uses up. Every request counts toward the others' limit on the emails it names, as before.
	 */
	@Transactional
	public boolean allow(String typedClientIp, Collection<String> emails, @Nullable String ownersEmail,
			boolean signedIn) {
		if (signedIn && ownersEmail == null) {
			throw new IllegalArgumentException("a request signed in names its owner's email");
		}
		Instant now = clock.instant();
		String clientIp = ClientAddresses.key(typedClientIp);
		List<String> hashes = emails.stream().map(e -> hash(jdbc, e)).distinct().toList();
		List<String> keys = new ArrayList<>(hashes.stream().map(h -> LimitLocks.of("public-form-email", h)).toList());
		keys.add(LimitLocks.of("public-form-ip", clientIp));
		LimitLocks.lock(jdbc, keys);
		long byIp = jdbc.sql(COUNT_BY_IP).param("ip", clientIp).param("since", Timestamp.from(now.minus(ipWindow)))
			.query(Long.class).single();
		String ownersHash = ownersEmail == null ? "" : hash(jdbc, ownersEmail);
		long byEmail = jdbc.sql(MOST_BY_EMAIL).param("hashes", hashes).param("since", Timestamp.from(now.minus(emailWindow)))
			.param("ownersHash", ownersHash)
			.param("signedIn", signedIn)
			.query(Long.class).single();
		if (byIp >= perIp || byEmail >= perEmail) {
			return false;
		}
		jdbc.sql(FORGET_OLD).param("before", Timestamp.from(now.minus(kept()))).update();
		String id = UUID.randomUUID().toString();
		for (String hash : hashes) {
			jdbc.sql(INSERT).param("id", id).param("at", Timestamp.from(now)).param("ip", clientIp).param("hash", hash)
				.param("owners", hash.equals(ownersHash))
				.param("signedIn", signedIn && hash.equals(ownersHash))
				.update();
		}
		return true;
	}

	/**
	 * Deletes what is kept of the requests sent before the longer window (client addresses and email hashes, a day by
	 * default; docs/RETENTION.md), whether or not anyone sends a form; returns how many rows.
	 */
	@Scheduled(fixedDelayString = "${subdesk.portal.public-form-sends-purge-interval:PT1H}",
			initialDelayString = "${subdesk.jobs.initial-delay:PT10S}")
	@Transactional
	public int forgetOld() {
		return jdbc.sql(FORGET_OLD).param("before", Timestamp.from(clock.instant().minus(kept()))).update();
	}

	private Duration kept() {
		return emailWindow.compareTo(ipWindow) > 0 ? emailWindow : ipWindow;
	}

	/**
	 * The hash kept of an email: SHA-256, in hex, of its key by the one rule of addresses
	 * ({@link EmailAddresses#key}, stripped first), so that the same address in another case or Unicode form counts
	 * as the same one, and the owner's address as the owner's.
	 */
	public static String hash(JdbcClient jdbc, String email) {
		return EmailAddresses.keyHash(EmailAddresses.key(jdbc, email.strip()));
	}
}
