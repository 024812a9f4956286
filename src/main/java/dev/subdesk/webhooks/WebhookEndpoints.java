package dev.subdesk.webhooks;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.events.EventType;
import dev.subdesk.shared.Ids;
import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.shared.SubdeskException.FieldError;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The vendor's webhook endpoints and their deliveries log (shared/API.md, Webhooks). A secret is shown when it is
 * made and never again; after a rotation the previous secret signs too for {@link #OLD_SECRET_SIGNS}.
 */
@Service
public class WebhookEndpoints {

	/** How long a rotated-out secret keeps signing beside the new one. */
	public static final Duration OLD_SECRET_SIGNS = Duration.ofHours(24);

	/**
	 * The most rotated-out secrets that sign beside the current one: more than this many rotations within 24 hours
	 * end the oldest one's 24 hours early. Each adds some 50 bytes to the signature header, which receivers (and the
	 * proxies before them) limit.
	 */
	public static final int OLD_SECRETS_KEPT = 10;

	static final String ALL = "*";

	private static final String COLUMNS = "seq, id, url, events, status, description, created_at";

	private static final String INSERT = """
			INSERT INTO webhook_endpoint (id, url, events, status, description, sealed_secret, secret_kek_id, created_at)
			VALUES (:id, :url, :events, 'ENABLED', :description, :sealed, :kek, :at)
			""";

	private static final String PAGE = "SELECT " + COLUMNS + """
			 FROM webhook_endpoint
			WHERE (created_at, seq) < (:at, :seq) ORDER BY created_at DESC, seq DESC LIMIT :limit
			""";

	private static final String DELIVERIES = """
			SELECT seq, id, endpoint_id, event_id, event_type, status, attempts, last_status_code, last_error,
			       next_attempt_at, created_at
			FROM webhook_delivery WHERE endpoint_id = :endpoint AND (created_at, seq) < (:at, :seq)
			ORDER BY created_at DESC, seq DESC LIMIT :limit
			""";

	private static final String FAILING = """
			SELECT seq, id, endpoint_id, event_id, event_type, status, attempts, last_status_code, last_error,
			       next_attempt_at, created_at
			FROM webhook_delivery
			WHERE endpoint_id = :endpoint AND (status = 'FAILED' OR status = 'PENDING' AND attempts > 0)
			ORDER BY created_at DESC, seq DESC LIMIT :limit
			""";

	/**
	 * The rotated-out secrets of an endpoint that can no longer sign: their 24 hours are over, a key-encryption key
	 * this server does not have (neither the current one nor a previous one) sealed them, or newer ones fill the
	 * {@link #OLD_SECRETS_KEPT} kept.
	 */
	private static final String FORGET_OLD_SECRETS = """
			DELETE FROM webhook_endpoint_old_secret WHERE endpoint_id = :id AND (signs_until <= :now
			    OR secret_kek_id <> ALL (:keks)
			    OR seq NOT IN (SELECT seq FROM webhook_endpoint_old_secret WHERE endpoint_id = :id
			                   ORDER BY signs_until DESC, seq DESC LIMIT :kept))
			""";

	private final JdbcClient jdbc;
	private final Clock clock;
	private final Destinations destinations;
	private final Dispatcher dispatcher;
	private final SealedSecrets secrets;

	WebhookEndpoints(JdbcClient jdbc, Clock clock, WebhookProperties properties, Dispatcher dispatcher,
			SealedSecrets secrets) {
		this.jdbc = jdbc;
		this.secrets = secrets;
		this.clock = clock;
		this.destinations = new Destinations(properties.allowPrivate());
		this.dispatcher = dispatcher;
	}

	/** Makes an endpoint; {@code 400} on {@code url} or {@code events} when they are not acceptable. */
	@Transactional
	public WebhookEndpoint.WithSecret create(String url, List<String> events, @Nullable String description) {
		List<String> types = check(url, events);
		holdEventAppends();
		String id = Ids.next("we");
		String secret = Signatures.newSecret();
		Instant now = clock.instant();
		jdbc.sql(INSERT)
			.param("id", id)
			.param("url", url)
			.param("events", types.toArray(String[]::new))
			.param("description", description)
			.param("sealed", secrets.seal(id, secret))
			.param("kek", secrets.kekId())
			.param("at", Timestamp.from(now))
			.update();
		return new WebhookEndpoint.WithSecret(get(id), secret);
	}

	public Page<WebhookEndpoint> list(Page.Request request) {
		List<Row<WebhookEndpoint>> rows = jdbc.sql(PAGE)
			.param("at", Timestamp.from(request.after().createdAt()))
			.param("seq", request.after().seq())
			.param("limit", request.limit() + 1)
			.query((rs, n) -> {
				WebhookEndpoint endpoint = endpoint(rs);
				return new Row<>(rs.getLong("seq"), endpoint, endpoint.createdAt());
			})
			.list();
		return Page.of(rows, request.limit(), Row::cursor).map(Row::value);
	}

	public WebhookEndpoint get(String id) {
		return find(id).orElseThrow(() -> SubdeskException.notFound("Webhook endpoint", id));
	}

	public Optional<WebhookEndpoint> find(String id) {
		return jdbc.sql("SELECT " + COLUMNS + " FROM webhook_endpoint WHERE id = :id")
			.param("id", id)
			.query((rs, n) -> endpoint(rs))
			.optional();
	}

	/**
	 * Changes what is given; enabling an endpoint starts its 3 days of failures afresh. Disabling leaves its PENDING
	 * deliveries as they are (neither sent nor failed; a manual retry is still sent once); enabling it again sends
	 * them on their schedule.
	 */
	@Transactional
	public WebhookEndpoint update(String id, @Nullable String url, @Nullable List<String> events,
			WebhookEndpoint.@Nullable Status status) {
		get(id); // 404 first; the URL's look-up (DNS) is made before the row is locked
		List<FieldError> errors = new ArrayList<>();
		List<String> types = null;
		if (url != null) {
			destinations.problem(url).ifPresent(problem -> errors.add(new FieldError("url", problem)));
		}
		if (events != null) {
			types = eventTypes(events, errors);
		}
		if (!errors.isEmpty()) {
			throw invalid(errors);
		}
		lock(id);
		if (types != null || status == WebhookEndpoint.Status.ENABLED) {
			holdEventAppends();
		}
		jdbc.sql("""
				UPDATE webhook_endpoint SET url = COALESCE(:url, url), events = COALESCE(:events, events),
				    status = COALESCE(:status, status),
				    failing_since = CASE WHEN :status = 'ENABLED' THEN NULL ELSE failing_since END,
				    disabled_for_failing = CASE WHEN :status = 'ENABLED' THEN false ELSE disabled_for_failing END
				WHERE id = :id
				""")
			.param("id", id)
			.param("url", url)
			.param("events", types == null ? null : types.toArray(String[]::new), java.sql.Types.ARRAY)
			.param("status", status == null ? null : status.name(), java.sql.Types.VARCHAR)
			.update();
		return get(id);
	}

	/**
	 * Waits for the transactions appending events and holds new appends off until this one commits (V251): events are
	 * queued for fan-out only when an enabled endpoint wants their type, so a change that makes an endpoint want more
	 * must not race an append whose trigger still sees the endpoint as it was. The wait is as long as the longest
	 * transaction appending events (a renewal batch); endpoints change rarely.
	 */
	private void holdEventAppends() {
		jdbc.sql("LOCK TABLE domain_event IN SHARE MODE").update();
	}

	/** Deletes the endpoint and its deliveries log; nothing more is sent to it. */
	@Transactional
	public void delete(String id) {
		if (jdbc.sql("DELETE FROM webhook_endpoint WHERE id = :id").param("id", id).update() == 0) {
			throw SubdeskException.notFound("Webhook endpoint", id);
		}
	}

	/**
	 * A new secret, stored sealed; the one it replaces signs too for {@link #OLD_SECRET_SIGNS}, and so does each one
	 * rotated out before it, for its own 24 hours: two rotations within a day leave three secrets signing (a
	 * receiver may still be switching from the first). At most the newest {@value #OLD_SECRETS_KEPT} rotated-out
	 * secrets are kept, which bounds the signature header. The replaced secret is kept sealed as it was, or sealed now
	 * if it is still plain in a row the start-up has not sealed yet (with a plain previous one still signing), or
	 * sealed again under the current key-encryption key if a previous one sealed it (one a next key sealed is kept as
	 * it is: nothing is re-sealed away from a next key). One that does not open cannot
	 * sign any more (a key-encryption key this server does not have sealed it: the key was changed without listing the
	 * old one as previous; or the row was altered): the rotation replaces it all the same, without the 24 hours of
	 * overlap, and says so in the log; the kept ones sealed with a key this server does not have are dropped too.
	 */
	@Transactional
	public String rotateSecret(String id) {
		record Current(byte @Nullable [] sealed, @Nullable String kek, @Nullable String plain,
				@Nullable String plainPrevious, @Nullable Instant plainPreviousUntil) {
		}
		Current current = jdbc.sql("""
				SELECT sealed_secret, secret_kek_id, secret, previous_secret, previous_secret_until
				FROM webhook_endpoint WHERE id = :id FOR NO KEY UPDATE
				""").param("id", id).query((rs, n) -> {
			Timestamp until = rs.getTimestamp("previous_secret_until");
			return new Current(rs.getBytes("sealed_secret"), rs.getString("secret_kek_id"), rs.getString("secret"),
					rs.getString("previous_secret"), until == null ? null : until.toInstant());
		}).optional().orElseThrow(() -> SubdeskException.notFound("Webhook endpoint", id));
		Instant now = clock.instant();
		String kek = secrets.kekId();
		if (current.sealed() != null) {
			secrets.toKeepSigning(id, current.sealed(), current.kek())
				.ifPresent(kept -> secrets.addOld(id, kept.sealed(), kept.kekId(), now.plus(OLD_SECRET_SIGNS)));
		}
		else if (current.plain() != null) {
			secrets.addOld(id, secrets.seal(id, current.plain()), kek, now.plus(OLD_SECRET_SIGNS));
		}
		if (current.plainPrevious() != null && current.plainPreviousUntil() != null
				&& current.plainPreviousUntil().isAfter(now)) {
			secrets.addOld(id, secrets.seal(id, current.plainPrevious()), kek, current.plainPreviousUntil());
		}
		jdbc.sql(FORGET_OLD_SECRETS)
			.param("id", id)
			.param("now", Timestamp.from(now))
			.param("keks", secrets.kekIdsThatOpen())
			.param("kept", OLD_SECRETS_KEPT)
			.update();
		String secret = Signatures.newSecret();
		jdbc.sql("""
				UPDATE webhook_endpoint SET sealed_secret = :sealed, secret_kek_id = :kek,
				    secret = NULL, previous_secret = NULL, previous_secret_until = NULL
				WHERE id = :id
				""")
			.param("id", id)
			.param("sealed", secrets.seal(id, secret))
			.param("kek", kek)
			.update();
		return secret;
	}

	public Page<Delivery> deliveries(String endpointId, Page.Request request) {
		get(endpointId);
		List<Row<Delivery>> rows = jdbc.sql(DELIVERIES)
			.param("endpoint", endpointId)
			.param("at", Timestamp.from(request.after().createdAt()))
			.param("seq", request.after().seq())
			.param("limit", request.limit() + 1)
			.query((rs, n) -> {
				Delivery delivery = delivery(rs);
				return new Row<>(rs.getLong("seq"), delivery, delivery.createdAt());
			})
			.list();
		return Page.of(rows, request.limit(), Row::cursor).map(Row::value);
	}

	/** The newest deliveries of an endpoint that failed for good or are being retried (the console's list). */
	public List<Delivery> failing(String endpointId, int limit) {
		return jdbc.sql(FAILING).param("endpoint", endpointId).param("limit", limit).query((rs, n) -> delivery(rs)).list();
	}

	public Delivery delivery(String endpointId, String deliveryId) {
		get(endpointId);
		return jdbc.sql("""
				SELECT seq, id, endpoint_id, event_id, event_type, status, attempts, last_status_code, last_error,
				       next_attempt_at, created_at
				FROM webhook_delivery WHERE id = :id AND endpoint_id = :endpoint
				""")
			.param("id", deliveryId)
			.param("endpoint", endpointId)
			.query((rs, n) -> delivery(rs))
			.optional()
			.orElseThrow(() -> SubdeskException.notFound("Delivery", deliveryId));
	}

	/**
	 * Sends a delivery again now, whatever its status and outside its subject's order; the retry schedule goes on
	 * from there if it fails. The later deliveries of its subject still wait for it while it is PENDING, as they wait
	 * for any retry (the retry overtakes them, they never overtake it). An attempt in flight loses its claim: its outcome is not recorded over the retry (a
	 * receiver may get the event twice, as at-least-once delivery allows). To a DISABLED endpoint it is sent too, once
	 * (shared/API.md: "sent again now"): SUCCEEDED if it is accepted; else it goes back on the retry schedule like any
	 * failed attempt (FAILED only when the schedule has no attempt left), without counting in the endpoint's failing
	 * streak, and waits, first of its subject again, until the endpoint is enabled. The endpoint stays DISABLED (only
	 * its owner enables it again) and its other deliveries wait as they were. A retry
	 * asked again while the first one's attempt is in flight sends it again (the claim is taken over, as above); one
	 * asked before the first was claimed is served by the same attempt, made after both.
	 */
	@Transactional
	public Delivery retry(String endpointId, String deliveryId) {
		delivery(endpointId, deliveryId);
		jdbc.sql("""
				UPDATE webhook_delivery SET status = 'PENDING', manual = true, next_attempt_at = :now, finished_at = NULL,
				    claim_token = NULL, claimed_until = NULL
				WHERE id = :id AND endpoint_id = :endpoint
				""")
			.param("id", deliveryId)
			.param("endpoint", endpointId)
			.param("now", Timestamp.from(clock.instant()))
			.update();
		dispatcher.wakeAfterCommit();
		return delivery(endpointId, deliveryId);
	}

	/**
	 * Serialises the changes of one endpoint. {@code FOR NO KEY UPDATE}, not {@code FOR UPDATE}: the dispatcher reads
	 * the endpoints of its deliveries {@code FOR KEY SHARE} while it records outcomes and fans events out, which an
	 * edit must not hold up (only a deletion does, as it must).
	 */
	private void lock(String id) {
		jdbc.sql("SELECT id FROM webhook_endpoint WHERE id = :id FOR NO KEY UPDATE")
			.param("id", id)
			.query(String.class)
			.optional()
			.orElseThrow(() -> SubdeskException.notFound("Webhook endpoint", id));
	}

	private List<String> check(String url, List<String> events) {
		List<FieldError> errors = new ArrayList<>();
		destinations.problem(url).ifPresent(problem -> errors.add(new FieldError("url", problem)));
		List<String> types = eventTypes(events, errors);
		if (!errors.isEmpty()) {
			throw invalid(errors);
		}
		return types;
	}

	/** The event types as stored: {@code ["*"]} for all, else each known wire name once. */
	private static List<String> eventTypes(List<String> events, List<FieldError> errors) {
		if (events.isEmpty()) {
			errors.add(new FieldError("events", "must name at least one event type, or \"*\""));
			return List.of();
		}
		LinkedHashSet<String> types = new LinkedHashSet<>();
		for (String event : events) {
			// every entry is checked, "*" or not: ["*", "no.such.type"] is as wrong as ["no.such.type", "*"]
			if (!event.equals(ALL) && EventType.ofWireName(event).isEmpty()) {
				errors.add(new FieldError("events", "'" + event + "' is not an event type"));
			}
			types.add(event);
		}
		return types.contains(ALL) ? List.of(ALL) : List.copyOf(types);
	}

	private static SubdeskException invalid(List<FieldError> errors) {
		return new SubdeskException(CommonErrorCode.VALIDATION_FAILED, "The request is not valid: " + errors.stream()
			.map(e -> e.field() + " " + e.message())
			.reduce((a, b) -> a + "; " + b)
			.orElse(""), errors);
	}

	private record Row<T>(long seq, T value, Instant createdAt) {

		Page.Cursor cursor() {
			return new Page.Cursor(createdAt, seq);
		}
	}

	static WebhookEndpoint endpoint(ResultSet rs) throws SQLException {
		Array events = rs.getArray("events");
		return new WebhookEndpoint(rs.getString("id"), rs.getString("url"),
				List.copyOf(Arrays.asList((String[]) events.getArray())),
				WebhookEndpoint.Status.valueOf(rs.getString("status")), rs.getString("description"),
				rs.getTimestamp("created_at").toInstant());
	}

	static Delivery delivery(ResultSet rs) throws SQLException {
		int code = rs.getInt("last_status_code");
		Integer lastStatusCode = rs.wasNull() ? null : code;
		Timestamp next = rs.getTimestamp("next_attempt_at");
		return new Delivery(rs.getString("id"), rs.getString("endpoint_id"), rs.getString("event_id"),
				rs.getString("event_type"), Delivery.Status.valueOf(rs.getString("status")), rs.getInt("attempts"),
				lastStatusCode, rs.getString("last_error"), next == null ? null : next.toInstant(),
				rs.getTimestamp("created_at").toInstant());
	}
}
