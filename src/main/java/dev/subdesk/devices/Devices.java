package dev.subdesk.devices;

import dev.subdesk.accounts.AccountClosed;
import dev.subdesk.accounts.AccountClosedException;
import dev.subdesk.accounts.Accounts;
import dev.subdesk.events.DomainChange;
import dev.subdesk.events.EventType;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Subscription;
import dev.subdesk.subscriptions.SubscriptionEnded;
import dev.subdesk.subscriptions.SubscriptionSeatsChanged;
import dev.subdesk.subscriptions.Subscriptions;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Registers devices on seats and frees them. */
@Service
public class Devices {

	/** The name a closed account's devices keep. */
	public static final String ERASED_NAME = "Erased device";

	private static final String COLUMNS = "id, account_id, name, platform, status, subscription_id, created_at, seq";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Accounts accounts;
	private final Subscriptions subscriptions;

	private final ApplicationEventPublisher events;

	Devices(JdbcClient jdbc, Clock clock, Accounts accounts, Subscriptions subscriptions,
			ApplicationEventPublisher events) {
		this.events = events;
		this.jdbc = jdbc;
		this.clock = clock;
		this.accounts = accounts;
		this.subscriptions = subscriptions;
	}

	/**
	 * Whether a new device may take a seat of {@code s} at {@code now}: it is live, its end is not already due (a
	 * scheduled end or dunning's last retry that has come, its job not run yet: the device would get no token and be
	 * deactivated at an instant before its registration), and a seat is free.
	 */
	private static boolean seatable(Subscription s, Map<String, Long> used, Instant now) {
		return (s.status() == Subscription.Status.TRIALING || s.status() == Subscription.Status.ACTIVE
				|| s.status() == Subscription.Status.PAST_DUE) && !s.endsBy(now)
				&& used.getOrDefault(s.id(), 0L) < s.deviceLimit();
	}

	/**
	 * Registers a device on a seat of the named subscription, else of the oldest subscription with a free
	 * seat. No free seat (or the named subscription's end is due, see {@link Subscription#endsBy}):
	 * {@code 409 DEVICE_LIMIT_REACHED}.
	 */
	@Transactional
	public Device register(String accountId, String name, Device.Platform platform, @Nullable String subscriptionId) {
		var account = accounts.lock(accountId);
		Subscription named = null;
		if (subscriptionId != null) {
			named = subscriptions.find(subscriptionId)
				.filter(s -> s.accountId().equals(accountId))
				.orElseThrow(() -> SubdeskException.invalid("subscriptionId", "no such subscription on this account"));
		}
		if (account.closed()) {
			throw new AccountClosedException(accountId);
		}
		Map<String, Long> used = seatsInUse(accountId);
		Instant now = clock.instant();
		List<Subscription> candidates = named != null ? List.of(named)
				: subscriptions.forAccount(accountId)
					.stream()
					.sorted(Comparator.comparing(Subscription::createdAt).thenComparing(Subscription::seq))
					.toList();
		// A subscription can end without its account's lock (the store's end, dunning's expiry): the seat's row is
		// locked and read again, so that an end either comes first and is seen, or waits and deactivates this device.
		Subscription seat = candidates.stream()
			.filter(s -> seatable(s, used, now))
			.map(s -> subscriptions.lock(s.id()))
			.filter(s -> seatable(s, used, now))
			.findFirst()
			.orElseThrow(() -> SubdeskException.of(DevicesErrorCode.DEVICE_LIMIT_REACHED,
					"Every seat is in use; deactivate a device or add a subscription with more seats"));
		String id = Ids.next("dev");
		jdbc.sql("""
				INSERT INTO devices (id, account_id, name, platform, status, subscription_id, created_at)
				VALUES (:id, :account, :name, :platform, 'ACTIVE', :subscription, :at)
				""")
			.param("id", id)
			.param("account", accountId)
			.param("name", name)
			.param("platform", platform.name())
			.param("subscription", seat.id())
			.param("at", Timestamp.from(now))
			.update();
		Device activated = find(accountId, id).orElseThrow();
		events.publishEvent(new DomainChange(EventType.DEVICE_ACTIVATED, activated));
		return activated;
	}

	@Transactional(readOnly = true)
	public Optional<Device> find(String accountId, String deviceId) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM devices WHERE id = :id AND account_id = :account AND deleted_at IS NULL")
			.param("id", deviceId)
			.param("account", accountId)
			.query(Devices::map)
			.optional();
	}

	/**
	 * A device by its id alone, removed ones included (a removed device is DEACTIVATED): for a device that asks for
	 * its entitlement, which knows its own id but not its account's.
	 */
	@Transactional(readOnly = true)
	public Optional<Device> findEvenIfRemoved(String deviceId) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM devices WHERE id = :id")
			.param("id", deviceId)
			.query(Devices::map)
			.optional();
	}

	/** The number of ACTIVE devices on the seats of each of the account's subscriptions, by subscription id. */
	@Transactional(readOnly = true)
	public Map<String, Long> seatsInUse(String accountId) {
		return jdbc.sql("""
				SELECT subscription_id, count(*) AS used FROM devices
				WHERE account_id = :account AND status = 'ACTIVE' AND deleted_at IS NULL AND subscription_id IS NOT NULL
				GROUP BY subscription_id
				""").param("account", accountId)
			.query((rs, n) -> Map.entry(rs.getString("subscription_id"), rs.getLong("used")))
			.list()
			.stream()
			.collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
	}

	@Transactional(readOnly = true)
	public Page<Device> list(String accountId, Page.Request request) {
		List<Device> rows = jdbc.sql("SELECT " + COLUMNS + """
				 FROM devices WHERE account_id = :account AND deleted_at IS NULL
				 AND (created_at, seq) < (:afterAt, :afterSeq) ORDER BY created_at DESC, seq DESC LIMIT :limit
				""")
			.param("account", accountId)
			.param("afterAt", Timestamp.from(request.after().createdAt()))
			.param("afterSeq", request.after().seq())
			.param("limit", request.limit() + 1)
			.query(Devices::map)
			.list();
		return Page.of(rows, request.limit(), d -> new Page.Cursor(d.createdAt(), d.seq()));
	}

	/**
	 * Removes a device from the account's list, freeing its seat. Its row is read locked: a subscription's end
	 * deactivates devices without the account's lock, and a device it deactivated meanwhile is not deactivated (and
	 * told) a second time.
	 */
	@Transactional
	public void remove(String accountId, String deviceId) {
		accounts.lock(accountId);
		Device device = jdbc.sql("SELECT " + COLUMNS
				+ " FROM devices WHERE id = :id AND account_id = :account AND deleted_at IS NULL FOR UPDATE")
			.param("id", deviceId)
			.param("account", accountId)
			.query(Devices::map)
			.optional()
			.orElseThrow(() -> SubdeskException.notFound("Device", deviceId));
		jdbc.sql("UPDATE devices SET deleted_at = :at, status = 'DEACTIVATED', deactivated_at = coalesce(deactivated_at, :at) WHERE id = :id")
			.param("at", Timestamp.from(clock.instant()))
			.param("id", device.id())
			.update();
		if (device.status() == Device.Status.ACTIVE) {
			events.publishEvent(new DomainChange(EventType.DEVICE_DEACTIVATED, findEvenIfRemoved(device.id()).orElseThrow()));
		}
	}

	/** When a subscription ends, the devices on its seats are deactivated, in the same transaction. */
	@EventListener
	void on(SubscriptionEnded ended) {
		List<Device> deactivated = jdbc.sql("""
				UPDATE devices SET status = 'DEACTIVATED', deactivated_at = :at
				WHERE subscription_id = :subscription AND status = 'ACTIVE'
				RETURNING %s""".formatted(COLUMNS))
			.param("at", Timestamp.from(ended.at()))
			.param("subscription", ended.subscriptionId())
			.query(Devices::map)
			.list();
		deactivated.forEach(d -> events.publishEvent(new DomainChange(EventType.DEVICE_DEACTIVATED, d)));
	}

	/** When a subscription's seats shrink, its newest devices beyond them are deactivated, in the same transaction. */
	@EventListener
	void on(SubscriptionSeatsChanged changed) {
		List<Device> deactivated = jdbc.sql("""
				UPDATE devices SET status = 'DEACTIVATED', deactivated_at = :at
				WHERE id IN (SELECT id FROM devices WHERE subscription_id = :subscription AND status = 'ACTIVE'
				             ORDER BY created_at, seq
				             OFFSET :seats)
				RETURNING %s""".formatted(COLUMNS))
			.param("at", Timestamp.from(changed.at()))
			.param("subscription", changed.subscriptionId())
			.param("seats", changed.deviceLimit())
			.query(Devices::map)
			.list();
		deactivated.forEach(d -> events.publishEvent(new DomainChange(EventType.DEVICE_DEACTIVATED, d)));
	}

	/**
	 * A closed account's devices keep their ids, platforms and seats (the entitlement history) but no longer their
	 * names, which the customer chose and which often name them ("Erika's laptop"): erased in the closing
	 * transaction, removed devices included.
	 */
	@EventListener
	void on(AccountClosed closed) {
		jdbc.sql("UPDATE devices SET name = :erased WHERE account_id = :account AND name <> :erased")
			.param("erased", ERASED_NAME)
			.param("account", closed.accountId())
			.update();
	}

	static Device map(ResultSet rs, int row) throws SQLException {
		return new Device(rs.getString("id"), rs.getString("account_id"), rs.getString("name"),
				Device.Platform.valueOf(rs.getString("platform")), Device.Status.valueOf(rs.getString("status")),
				rs.getString("subscription_id"), rs.getTimestamp("created_at").toInstant(), rs.getLong("seq"));
	}
}
