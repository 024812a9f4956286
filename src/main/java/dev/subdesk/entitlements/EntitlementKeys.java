package dev.subdesk.entitlements;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import dev.subdesk.sealing.KeyEncryptionKey;
import dev.subdesk.shared.Ids;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The Ed25519 keys that sign entitlement tokens. One key signs at a time; the first is made when the first token is
 * signed. {@link #rotate()} makes a new one, published at once and signing {@link #SIGNS_AFTER} later, when every copy
 * of the JWK Set fetched before the rotation has expired ({@link #KEY_SET_MAX_AGE}, twice over); the key it replaces
 * signs until then and is retired at that moment: from then on every node signs with the new key (each token looks
 * up the signing key's id, so no node keeps signing with a retired one), while the retired key stays in the published
 * JWK Set until every token it signed has expired ({@link #PUBLISHED_AFTER_RETIREMENT}). Private keys are stored
 * sealed ({@link KeyEncryptionKey}) and opened in memory only, once per key.
 */
@Service
public class EntitlementKeys {

	/**
	 * How long a retired key stays published: the longest a token lives, and a minute more for a token whose signing
	 * began just before a rotation committed.
	 */
	static final Duration PUBLISHED_AFTER_RETIREMENT = Entitlements.LONGEST_TOKEN.plusMinutes(1);

	/** How long a copy of the JWK Set may be kept by whoever fetched it (its {@code Cache-Control}). */
	public static final Duration KEY_SET_MAX_AGE = Duration.ofMinutes(5);

	/** How long after a rotation the new key starts signing: every copy of the set fetched before has expired. */
	public static final Duration SIGNS_AFTER = KEY_SET_MAX_AGE.multipliedBy(2);

	private static final String COLUMNS = "kid, public_key, sealed_private_key, kek_id, created_at, retired_at, signs_from";

	/** The signing key: the newest that has begun to sign and is not yet retired. */
	private static final String SIGNING = "SELECT " + COLUMNS + """
			 FROM entitlement_keys WHERE signs_from <= :now AND (retired_at IS NULL OR retired_at > :now)
			  AND revoked_at IS NULL
			ORDER BY signs_from DESC LIMIT 1""";

	/** Keys that still verify tokens that have not expired. */
	private static final String PUBLISHED = "SELECT " + COLUMNS + """
			 FROM entitlement_keys WHERE (retired_at IS NULL OR retired_at > :since) AND revoked_at IS NULL
			ORDER BY created_at DESC, kid
			""";

	private static final String INSERT = """
			INSERT INTO entitlement_keys (kid, public_key, sealed_private_key, kek_id, created_at, signs_from)
			VALUES (:kid, :public, :sealed, :kek, :at, :signsFrom)
			""";

	/** Rotations run one at a time over every node: the second retires what the first made. */
	private static final String ROTATION_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('entitlement-key-rotation', 0))";

	private record StoredKey(String kid, byte[] publicKey, byte[] sealed, String kekId, Instant createdAt,
			@org.jspecify.annotations.Nullable Instant retiredAt, Instant signsFrom) {
	}

	private final JdbcClient jdbc;
	private final Clock clock;
	private final KeyEncryptionKey kek;
	private final TransactionTemplate newTransaction;
	private final Map<String, Ed25519PrivateKeyParameters> opened = new ConcurrentHashMap<>();
	private final SecureRandom random = new SecureRandom();

	EntitlementKeys(JdbcClient jdbc, Clock clock, KeyEncryptionKey kek, PlatformTransactionManager transactions) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.kek = kek;
		this.newTransaction = new TransactionTemplate(transactions);
		this.newTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
	}

	/**
	 * The keys a vendor needs to verify every token that has not expired, the signing key first. Never empty: the
	 * first signing key is made (committed on its own) when the set is asked for before any token was signed, so a
	 * vendor can fetch and cache the key set before the first device asks.
	 */
	public List<EntitlementKey> published() {
		List<StoredKey> keys = publishedKeys();
		if (keys.stream().noneMatch(key -> key.retiredAt() == null)) {
			createFirst();
			keys = publishedKeys();
		}
		return keys.stream().map(EntitlementKeys::view).toList();
	}

	private List<StoredKey> publishedKeys() {
		return jdbc.sql(PUBLISHED)
			.param("since", Timestamp.from(clock.instant().minus(PUBLISHED_AFTER_RETIREMENT)))
			.query(EntitlementKeys::map)
			.list();
	}

	/**
	 * Makes a new key, published from now on and signing every token from {@link #SIGNS_AFTER} on; the key that signs
	 * until then (and one made by a rotation whose time to sign has not come) is retired at that moment. A retired key
	 * stays published until the tokens it signed have expired. Returns the new key.
	 */
	@Transactional
	public EntitlementKey rotate() {
		return rotate(false);
	}

	/**
	 * As {@link #rotate()}; {@code immediately}: the new key signs from now on (a key that leaked or no longer opens),
	 * and verifiers holding a copy of the key set fetched before refuse its tokens until they fetch it again.
	 */
	@Transactional
	public EntitlementKey rotate(boolean immediately) {
		return rotate(immediately, false);
	}

	/**
	 * As {@link #rotate(boolean)}; {@code revoke} (a key that leaked): the new key signs at once, and every key still
	 * published is revoked: the one replaced, one rotated in and still waiting, and those retired by earlier
	 * rotations whose tokens have not all expired (the leak may be of one of those, found out after its rotation).
	 * They leave the JWK Set now, so that what they sign, whoever signs it, stops verifying as soon as verifiers fetch
	 * the set again. Tokens they signed for customers stop verifying too; their devices ask for new ones.
	 */
	@Transactional
	public EntitlementKey rotate(boolean immediately, boolean revoke) {
		jdbc.sql(ROTATION_LOCK).query((rs, n) -> 1).list();
		Instant now = clock.instant();
		Instant signsFrom = immediately || revoke ? now : now.plus(SIGNS_AFTER);
		if (revoke) {
			jdbc.sql("""
					UPDATE entitlement_keys SET revoked_at = :now, retired_at = LEAST(coalesce(retired_at, :now), :now)
					WHERE revoked_at IS NULL AND (retired_at IS NULL OR retired_at > :since)""")
				.param("since", Timestamp.from(now.minus(PUBLISHED_AFTER_RETIREMENT)))
				.param("now", Timestamp.from(now))
				.update();
		}
		jdbc.sql("UPDATE entitlement_keys SET retired_at = :at WHERE retired_at IS NULL")
			.param("at", Timestamp.from(signsFrom))
			.update();
		return view(create(signsFrom));
	}

	/** A signer with the current signing key, made (and committed on its own) when there is none yet. */
	Signer signer() {
		StoredKey key = signing().orElseGet(this::createFirst);
		return new Signer(key.kid(), opened.computeIfAbsent(key.kid(),
				kid -> new Ed25519PrivateKeyParameters(kek.open(key.sealed(), kid, key.kekId()), 0)));
	}

	/**
	 * Makes the first key under the rotation's lock, unless another request (on any node) or a rotation made one
	 * meanwhile: then that one. Without the lock, a rotation at the same moment failed on the one signing key index.
	 */
	private StoredKey createFirst() {
		return java.util.Objects.requireNonNull(newTransaction.execute(status -> {
			jdbc.sql(ROTATION_LOCK).query((rs, n) -> 1).list();
			Timestamp now = Timestamp.from(clock.instant());
			// a key rotated in before any key ever signed has nobody's cached key set to wait for: it signs now
			return signing().or(() -> jdbc.sql("UPDATE entitlement_keys SET signs_from = :now WHERE retired_at IS NULL "
					+ "RETURNING " + COLUMNS).param("now", now).query(EntitlementKeys::map).optional())
				.orElseGet(() -> create(now.toInstant()));
		}));
	}

	private Optional<StoredKey> signing() {
		return jdbc.sql(SIGNING).param("now", Timestamp.from(clock.instant())).query(EntitlementKeys::map).optional();
	}

	private StoredKey create(Instant signsFrom) {
		Ed25519PrivateKeyParameters privateKey = new Ed25519PrivateKeyParameters(random);
		String kid = Ids.next("ek");
		byte[] seed = privateKey.getEncoded();
		byte[] sealed = kek.seal(seed, kid);
		Arrays.fill(seed, (byte) 0);
		Instant at = clock.instant();
		jdbc.sql(INSERT)
			.param("kid", kid)
			.param("public", privateKey.generatePublicKey().getEncoded())
			.param("sealed", sealed)
			.param("kek", kek.id())
			.param("at", Timestamp.from(at))
			.param("signsFrom", Timestamp.from(signsFrom))
			.update();
		opened.put(kid, privateKey);
		return new StoredKey(kid, privateKey.generatePublicKey().getEncoded(), sealed, kek.id(), at, null, signsFrom);
	}

	private static EntitlementKey view(StoredKey key) {
		Instant retired = key.retiredAt();
		return new EntitlementKey(key.kid(), Base64URL.encode(key.publicKey()).toString(), key.createdAt(), retired,
				retired == null ? null : retired.plus(PUBLISHED_AFTER_RETIREMENT), key.signsFrom());
	}

	private static StoredKey map(ResultSet rs, int row) throws SQLException {
		Timestamp retired = rs.getTimestamp("retired_at");
		return new StoredKey(rs.getString("kid"), rs.getBytes("public_key"), rs.getBytes("sealed_private_key"),
				rs.getString("kek_id"), rs.getTimestamp("created_at").toInstant(),
				retired == null ? null : retired.toInstant(), rs.getTimestamp("signs_from").toInstant());
	}

	/** A JOSE signer for {@code EdDSA} with one Ed25519 key (Bouncy Castle's, so Nimbus needs no Tink). */
	static final class Signer implements JWSSigner {

		private final String kid;
		private final Ed25519PrivateKeyParameters key;
		private final JCAContext jca = new JCAContext();

		Signer(String kid, Ed25519PrivateKeyParameters key) {
			this.kid = kid;
			this.key = key;
		}

		String kid() {
			return kid;
		}

		@Override
		public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
			if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm()) || !kid.equals(header.getKeyID())) {
				throw new JOSEException("This signer signs EdDSA with key " + kid + " only");
			}
			Ed25519Signer signer = new Ed25519Signer();
			signer.init(true, key);
			signer.update(signingInput, 0, signingInput.length);
			return Base64URL.encode(signer.generateSignature());
		}

		@Override
		public Set<JWSAlgorithm> supportedJWSAlgorithms() {
			return Set.of(JWSAlgorithm.EdDSA);
		}

		@Override
		public JCAContext getJCAContext() {
			return jca;
		}
	}
}
