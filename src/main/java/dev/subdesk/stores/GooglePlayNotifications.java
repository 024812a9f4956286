package dev.subdesk.stores;

import dev.subdesk.shared.CommonErrorCode;
import dev.subdesk.shared.SubdeskException;
import dev.subdesk.subscriptions.Channel;
import dev.subdesk.subscriptions.Subscription;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Google Play Real-time Developer Notifications, pushed by Pub/Sub: the bearer token is verified first
 * ({@link GooglePushTokens}, else {@code 401}); the message only says that a purchase changed, so its state is read
 * through {@link PlaySubscriptionsApi} and applied once ({@link StoreSync}), by Pub/Sub's {@code messageId}.
 */
@Service
public class GooglePlayNotifications {

	/** The longest {@code messageId} kept: Pub/Sub's are strings of about 16 digits. */
	static final int MESSAGE_ID_LIMIT = StoreFields.ID_LIMIT;

	/** The longest purchase token asked about and kept: Google's are a few hundred characters at most. */
	static final int PURCHASE_TOKEN_LIMIT = StoreFields.PURCHASE_TOKEN_LIMIT;

	private final GooglePushTokens tokens;
	private static final Logger log = LoggerFactory.getLogger(GooglePlayNotifications.class);

	private final PlaySubscriptionsApi play;
	private final StoreSync sync;
	private final StoresProperties properties;
	private final JsonMapper json;
	private final java.time.Clock clock;

	GooglePlayNotifications(GooglePushTokens tokens, PlaySubscriptionsApi play, StoreSync sync,
			StoresProperties properties, JsonMapper json, java.time.Clock clock) {
		this.clock = clock;
		this.tokens = tokens;
		this.play = play;
		this.sync = sync;
		this.properties = properties;
		this.json = json;
	}

	/**
	 * One push: {@code {"message": {"data": base64 of the DeveloperNotification, "messageId", ...},
	 * "subscription"}}. {@code 401} for a bad token, with no package name configured, or for another app's package;
	 * {@code 400} for a body that is not a push.
	 */
	public StoreOutcome receive(@Nullable String authorization, @Nullable String body) {
		return receive(authorization, () -> parse(body == null ? "" : body, "message"));
	}

	/**
	 * One push whose body {@code envelope} reads, once the token has verified: the API reads it with its own body
	 * checks (UTF-8, no text it could not store), so that a bad token is {@code 401} whatever the body. The parts kept
	 * are checked here too: whoever holds a token (good for an hour) can send any body with it, and nothing in it may
	 * fail on the way to the database.
	 */
	public StoreOutcome receive(@Nullable String authorization, Supplier<JsonNode> envelope) {
		tokens.verify(authorization);
		// Google signs every app's pushes alike: only the package name tells the vendor's app from anyone else's
		String configured = properties.google() == null ? null : properties.google().packageName();
		if (configured == null || configured.isBlank()) {
			throw GooglePushTokens.refused("no app is configured (SUBDESK_STORES_GOOGLE_PACKAGE_NAME)");
		}
		JsonNode message = envelope.get().path("message");
		String messageId = message.path("messageId").asString("");
		String data = message.path("data").asString("");
		if (messageId.isBlank() || data.isBlank()) {
			throw invalid("message", "needs data and messageId");
		}
		if (!StoreFields.identifier(messageId, MESSAGE_ID_LIMIT)) {
			throw invalid("message.messageId", "must be 1 to %d characters, without control characters"
				.formatted(MESSAGE_ID_LIMIT));
		}
		String decoded;
		try {
			decoded = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(Base64.getDecoder().decode(data)))
				.toString();
		}
		catch (IllegalArgumentException e) {
			throw invalid("message.data", "is not base64");
		}
		catch (CharacterCodingException e) {
			throw invalid("message.data", "is not UTF-8");
		}
		JsonNode notification = parse(decoded, "message.data");
		String packageName = notification.path("packageName").asString("");
		if (!configured.equals(packageName)) {
			throw GooglePushTokens.refused("the notification is for another app");
		}
		// the body is not signed (the push token is, and is good for an hour): its event time dates only a push about
		// no subscription (a test), never past now; an end (an expiry, a hold, a pause) is dated by Google's expiryTime,
		// and the push is ordered among the purchase's reports by its read
		Instant now = clock.instant();
		Instant eventTime = eventTime(notification.path("eventTimeMillis"));
		Instant at = eventTime.isAfter(now) ? now : eventTime;
		JsonNode subscription = notification.path("subscriptionNotification");
		if (!subscription.isObject()) {
			// a test notification, or one about one-time products or voided purchases: recorded only
			return sync.apply(usable(new StoreReport(Channel.GOOGLE_PLAY, messageId, kindOf(notification), null, at,
					null, null, null, new StoreChange.Nothing("TEST"), null)));
		}
		int type = subscription.path("notificationType").asInt(0);
		String token = subscription.path("purchaseToken").asString("");
		if (token.isBlank()) {
			throw invalid("message.data", "subscriptionNotification has no purchaseToken");
		}
		if (!StoreFields.identifier(token, PURCHASE_TOKEN_LIMIT)) {
			throw invalid("message.data", ("subscriptionNotification.purchaseToken must be 1 to %d "
					+ "characters, without control characters").formatted(PURCHASE_TOKEN_LIMIT));
		}
		// the state is read now, whatever the event: the push is dated by when its read was sent and numbered, so
		// that a lookup's read sent after it stands, whichever is applied last (StoreSync.stale)
		long read = sync.numberRead();
		Instant readAt = clock.instant();
		Optional<PlaySubscriptionsApi.PlaySubscription> purchase;
		try {
			purchase = play.get(packageName, token);
		}
		catch (GooglePlayDeveloperApi.Unavailable e) {
			log.warn("Google Play notification {} not applied: {}", messageId, e.getMessage());
			throw new SubdeskException(StoresErrorCode.STORE_UNAVAILABLE,
					"Google Play could not be asked for the purchase's state now; nothing was changed (Pub/Sub pushes it again)");
		}
		if (purchase.isEmpty()) {
			return sync.apply(usable(new StoreReport(Channel.GOOGLE_PLAY, messageId, "SUBSCRIPTION_" + type, null,
					readAt, null, null, null, new StoreChange.Nothing("UNKNOWN"), null)));
		}
		PlaySubscriptionsApi.PlaySubscription p = purchase.get();
		p.unusable().ifPresent(why -> {
			throw unusable(messageId, why);
		});
		// the type (12, "revoked", among them) is the unsigned body's: it names the report, it decides nothing
		return sync.apply(usable(new StoreReport(Channel.GOOGLE_PLAY, messageId, "SUBSCRIPTION_" + type,
				p.subscriptionState(), readAt, token, p.productId(), p.obfuscatedExternalAccountId(),
				changeOf(p, readAt), null, read, p.latestOrderId())));
	}

	/**
	 * The report, if what it says can be kept ({@link StoreReport#unusable}), else {@code 400}: the push's own parts
	 * are checked above, so what is left is Google's answer about the purchase (its {@code productId}, its
	 * {@code subscriptionState}), read with the push's {@code message.data}. Nothing is recorded: Pub/Sub pushes the
	 * message again, and once Google answers what can be kept, it applies.
	 */
	private static StoreReport usable(StoreReport report) {
		report.unusable().ifPresent(why -> {
			throw unusable(report.notificationId(), why);
		});
		return report;
	}

	/** The {@code 400} for a push whose purchase Google answered with what cannot be kept ({@code why}), logged. */
	private static SubdeskException unusable(String messageId, String why) {
		log.warn("Google Play notification {} not applied: Google's answer about its purchase cannot be kept ({})",
				messageId, why);
		return invalid("message.data", "Google Play's answer about its purchase cannot be kept: "
				+ why + "; nothing was changed");
	}

	/**
	 * What the state Google reports ({@code purchases.subscriptionsv2.get}, read over TLS) does to the subscription,
	 * and only that: never the notification's type, which the unsigned body carries (whoever holds a push token, good
	 * for an hour, can say "revoked"). {@code subscriptionsv2} has no field that tells a revocation or a refund from
	 * an expiry (its {@code canceledStateContext} says who cancelled: {@code developerInitiatedCancellation} is a
	 * developer's plain cancellation as well as a revocation; {@code systemInitiatedCancellation} a billing failure as
	 * well as Google's own): a revoked subscription is recorded as Google reports it, {@code SUBSCRIPTION_STATE_EXPIRED},
	 * ended when Google's service ended ({@link #served}), with no refund claimed here. The refund is recorded when the
	 * Voided Purchases API lists the order ({@link VoidedPurchases}), which only Google can say. A hold or a pause ends
	 * the subscription as an expiry does, when Google's service ended ({@link #served}: in both states Google's line
	 * item expired at the end of what was paid for), never at the push body's event time.
	 *
	 * @param readAt when Google was asked
	 */
	static StoreChange changeOf(PlaySubscriptionsApi.PlaySubscription p, Instant readAt) {
		Instant start = p.startTime();
		Instant expiry = p.expiryTime();
		if (start == null || expiry == null || p.productId() == null) {
			// a purchase that bills no period yet (pending): nothing to apply, the report is recorded
			return new StoreChange.Nothing(p.subscriptionState());
		}
		return switch (p.subscriptionState()) {
			case "SUBSCRIPTION_STATE_ACTIVE" -> new StoreChange.Subscribed(start, expiry, p.autoRenewEnabled());
			case "SUBSCRIPTION_STATE_CANCELED" -> new StoreChange.Subscribed(start, expiry, false);
			// in its grace period Google extends the line item's expiryTime to the grace's end: service until then
			// (StoreSync takes it as the grace's end only when it is past the period paid for)
			case "SUBSCRIPTION_STATE_IN_GRACE_PERIOD" -> new StoreChange.BillingRetry(true, expiry);
			case "SUBSCRIPTION_STATE_ON_HOLD" -> new StoreChange.Ended(Subscription.Status.EXPIRED, served(p, readAt),
					"ON_HOLD");
			case "SUBSCRIPTION_STATE_PAUSED" -> new StoreChange.Ended(Subscription.Status.EXPIRED, served(p, readAt),
					"PAUSED");
			case "SUBSCRIPTION_STATE_EXPIRED" -> new StoreChange.Ended(
					p.canceledByUser() ? Subscription.Status.CANCELLED : Subscription.Status.EXPIRED, served(p, readAt),
					"EXPIRED");
			default -> new StoreChange.Nothing(p.subscriptionState());
		};
	}

	/**
	 * When the service of a subscription Google reports expired (or on hold, or paused) ended, as far as Google's answer supports it: at the
	 * line item's {@code expiryTime} (a revocation's is the moment Google revoked it), no later than the read
	 * ({@code readAt}) whatever Google says; not at the unsigned body's event time, which anyone with a push token
	 * sets.
	 */
	static Instant served(PlaySubscriptionsApi.PlaySubscription p, Instant readAt) {
		Instant expiry = java.util.Objects.requireNonNull(p.expiryTime());
		return expiry.isAfter(readAt) ? readAt : expiry;
	}

	/**
	 * {@code eventTimeMillis}, which Google sends as a string of digits: milliseconds since 1970, else {@code 400}
	 * (as a notification from the App Store without its {@code signedDate} is). Not before 1970: PostgreSQL has no
	 * timestamp for much of what a long can say, and no notification is that old; a time past now counts as now
	 * (above).
	 */
	static Instant eventTime(JsonNode value) {
		long millis;
		if (value.isMissingNode() || value.isNull()) {
			throw invalid("message.data", "eventTimeMillis is missing: Google sends it as milliseconds since 1970");
		}
		if (value.isIntegralNumber() && value.canConvertToLong()) {
			millis = value.longValue();
		}
		else if (value.isString() && value.stringValue().matches("[0-9]{1,18}")) {
			millis = Long.parseLong(value.stringValue());
		}
		else {
			throw invalid("message.data", "eventTimeMillis must be milliseconds since 1970");
		}
		if (millis < 0) {
			throw invalid("message.data", "eventTimeMillis must be milliseconds since 1970");
		}
		return Instant.ofEpochMilli(millis);
	}

	/**
	 * {@code 400 VALIDATION_FAILED} for {@code field}, named in the detail as well as in {@code errors} (as the API's
	 * body checks do): the push's body is base64 inside an envelope, and the detail is what a log shows first.
	 */
	private static SubdeskException invalid(String field, String message) {
		return new SubdeskException(CommonErrorCode.VALIDATION_FAILED, "The request is not valid: " + field + " " + message,
				List.of(new SubdeskException.FieldError(field, message)));
	}

	private static String kindOf(JsonNode notification) {
		return notification.has("testNotification") ? "TEST" : "OTHER";
	}

	private JsonNode parse(String text, String field) {
		try {
			JsonNode node = json.readTree(text);
			if (node == null || !node.isObject()) {
				throw invalid(field, "is not a JSON object");
			}
			return node;
		}
		catch (JacksonException e) {
			throw invalid(field, "is not JSON");
		}
	}
}
