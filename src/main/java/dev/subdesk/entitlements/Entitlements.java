package dev.subdesk.entitlements;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.subdesk.billing.Billing;
import dev.subdesk.catalog.Catalog;
import dev.subdesk.devices.Device;
import dev.subdesk.devices.Devices;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.Subscriptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a customer may use now, and the entitlement tokens their devices show offline (shared/API.md, Entitlements).
 * Coverage is the {@link CoveragePolicy}'s. A device's token names the products of the subscription whose seat it
 * takes and of that subscription's add-ons that cover now, and expires at the earliest of {@link #LONGEST_TOKEN}
 * from now and the end of the coverage of every product it names, so a token never outlives what was paid for: a
 * device of an END_OF_TERM cancellation gets tokens until the cancellation takes effect, each expiring by then.
 */
@Service
public class Entitlements {

	/** The longest a token is valid: the device asks again before then. */
	public static final Duration LONGEST_TOKEN = Duration.ofDays(7);

	private final Subscriptions subscriptions;
	private final Devices devices;
	private final Catalog catalog;
	private final Billing billing;
	private final EntitlementKeys keys;
	private final Clock clock;
	private final String issuer;
	private final TransactionTemplate readOnly;

	Entitlements(Subscriptions subscriptions, Devices devices, Catalog catalog, Billing billing, EntitlementKeys keys,
			Clock clock, @Value("${subdesk.public-base-url}") String issuer, PlatformTransactionManager transactions) {
		this.readOnly = new TransactionTemplate(transactions);
		this.readOnly.setReadOnly(true);
		this.subscriptions = subscriptions;
		this.devices = devices;
		this.catalog = catalog;
		this.billing = billing;
		this.keys = keys;
		this.clock = clock;
		this.issuer = issuer;
	}

	/**
	 * One entry per product of each of the account's subscriptions that covers now (ACTIVE or PAST_DUE, add-ons
	 * included), oldest subscription first, products in catalog order.
	 */
	@Transactional(readOnly = true)
	public List<Entitlement> forAccount(String accountId) {
		Instant now = clock.instant();
		List<Subscription> all = subscriptions.forAccount(accountId)
			.stream()
			.sorted(Comparator.comparing(Subscription::createdAt).thenComparing(Subscription::seq))
			.toList();
		Map<String, Long> inUse = devices.seatsInUse(accountId);
		Map<String, Set<Instant>> refundedStarts = billing.refundedPeriodStarts(all.stream().map(Subscription::id).toList());
		CoveragePolicy.RefundedPeriods refunded = s -> refundedStarts.getOrDefault(s.id(), Set.of())
			.contains(s.currentPeriodStart());
		List<Entitlement> entitlements = new ArrayList<>();
		for (Subscription s : all) {
			Optional<Instant> until = CoveragePolicy.until(s, parent(s, all), now, refunded);
			if (until.isEmpty()) {
				continue;
			}
			for (String product : catalog.get(s.planCode()).products()) {
				entitlements.add(new Entitlement(product, s.id(), until.get(), s.deviceLimit(),
						inUse.getOrDefault(s.id(), 0L)));
			}
		}
		return entitlements;
	}

	/**
	 * Until when a device is covered now, by the subscription whose seat it takes: empty for a DEACTIVATED device or
	 * one whose subscription covers nothing.
	 */
	@Transactional(readOnly = true)
	public Optional<Instant> coveredUntil(Device device) {
		return seat(device).flatMap(s -> CoveragePolicy.until(s, parent(s), clock.instant(), this::refunded));
	}

	/**
	 * A new signed token for a device. An unknown device is {@code 404 NOT_FOUND}; a DEACTIVATED (or removed) device,
	 * or one whose subscription covers nothing now, {@code 409 NOT_ENTITLED}. Not in one transaction: what the token
	 * grants is read in a read-only one, which has given its connection back before the signing key is looked up (and,
	 * when there is none yet, the first made in a transaction of its own). So a token needs one connection at a time,
	 * and as many first tokens at once as the pool has connections do not each hold one while waiting for another.
	 */
	public EntitlementToken issueToken(String deviceId) {
		Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
		Claims claims = Objects.requireNonNull(readOnly.execute(status -> claims(deviceId, now)));
		EntitlementKeys.Signer signer = keys.signer();
		JWTClaimsSet set = new JWTClaimsSet.Builder().issuer(issuer)
			.subject(claims.device().id())
			.claim("acct", claims.device().accountId())
			.claim("products", List.copyOf(claims.products()))
			.issueTime(Date.from(now))
			.expirationTime(Date.from(claims.exp()))
			.build();
		SignedJWT jwt = new SignedJWT(
				new JWSHeader.Builder(JWSAlgorithm.EdDSA).keyID(signer.kid()).type(JOSEObjectType.JWT).build(), set);
		try {
			jwt.sign(signer);
		}
		catch (JOSEException e) {
			throw new IllegalStateException("Signing an entitlement token failed", e);
		}
		return new EntitlementToken(jwt.serialize(), claims.exp());
	}

	/** What a device's token says: the device, its products, and when the token expires. */
	private record Claims(Device device, Set<String> products, Instant exp) {
	}

	/** The claims of a device's token at {@code now} (whole seconds), read in the caller's read-only transaction. */
	private Claims claims(String deviceId, Instant now) {
		Device device = devices.findEvenIfRemoved(deviceId).orElseThrow(() -> SubdeskException.notFound("Device", deviceId));
		Grant grant = grant(device, now).orElseThrow(() -> SubdeskException.of(EntitlementsErrorCode.NOT_ENTITLED,
				"This device is not entitled: it is deactivated, or its subscription has ended"));
		Instant limit = now.plus(LONGEST_TOKEN);
		// NumericDate is whole seconds: rounded down, so the token never outlives the coverage
		Instant exp = (grant.until().isBefore(limit) ? grant.until() : limit).truncatedTo(ChronoUnit.SECONDS);
		if (!exp.isAfter(now)) {
			throw SubdeskException.of(EntitlementsErrorCode.NOT_ENTITLED, "This device's coverage ends within the second");
		}
		return new Claims(device, grant.products(), exp);
	}

	/** What a device may use and until when: the products of its seat's subscription and of its covering add-ons. */
	private record Grant(Set<String> products, Instant until) {
	}

	private Optional<Grant> grant(Device device, Instant now) {
		Optional<Subscription> seat = seat(device);
		if (seat.isEmpty()) {
			return Optional.empty();
		}
		Subscription s = seat.get();
		Optional<Instant> until = CoveragePolicy.until(s, parent(s), now, this::refunded);
		if (until.isEmpty()) {
			return Optional.empty();
		}
		Set<String> products = new LinkedHashSet<>(catalog.get(s.planCode()).products());
		Instant end = until.get();
		if (!s.isAddOn()) {
			for (Subscription addOn : subscriptions.liveAddOns(s.id())) {
				Optional<Instant> addOnUntil = CoveragePolicy.until(addOn, s, now, this::refunded);
				if (addOnUntil.isPresent()) {
					products.addAll(catalog.get(addOn.planCode()).products());
					end = addOnUntil.get().isBefore(end) ? addOnUntil.get() : end;
				}
			}
		}
		return Optional.of(new Grant(products, end));
	}

	/** Whether the charge for {@code s}'s current period was refunded in full: nothing of the period is paid for. */
	private boolean refunded(Subscription s) {
		return billing.periodRefunded(s.id(), s.currentPeriodStart());
	}

	/** The subscription whose seat an ACTIVE device takes. */
	private Optional<Subscription> seat(Device device) {
		String seat = device.subscriptionId();
		if (device.status() != Device.Status.ACTIVE || seat == null) {
			return Optional.empty();
		}
		return subscriptions.find(seat);
	}

	private @Nullable Subscription parent(Subscription s) {
		String parentId = s.parentId();
		return parentId == null ? null : subscriptions.find(parentId).orElse(null);
	}

	private static @Nullable Subscription parent(Subscription s, List<Subscription> all) {
		String parentId = s.parentId();
		return parentId == null ? null : all.stream().filter(p -> p.id().equals(parentId)).findFirst().orElse(null);
	}
}
