package dev.subdesk.events;

import java.util.Arrays;
import java.util.Optional;

/** The event types of shared/API.md (Webhooks, 1.1), with their names on the wire. */
public enum EventType {

	ACCOUNT_CREATED("account.created"), ACCOUNT_CLOSED("account.closed"),
	SUBSCRIPTION_CREATED("subscription.created"), SUBSCRIPTION_UPDATED("subscription.updated"),
	SUBSCRIPTION_RENEWED("subscription.renewed"), SUBSCRIPTION_PAST_DUE("subscription.past_due"),
	SUBSCRIPTION_CANCELLATION_SCHEDULED("subscription.cancellation_scheduled"),
	SUBSCRIPTION_RESUMED("subscription.resumed"), SUBSCRIPTION_CANCELLED("subscription.cancelled"),
	SUBSCRIPTION_EXPIRED("subscription.expired"), CHARGE_SUCCEEDED("charge.succeeded"),
	CHARGE_FAILED("charge.failed"), REFUND_ISSUED("refund.issued"), DEVICE_ACTIVATED("device.activated"),
	DEVICE_DEACTIVATED("device.deactivated"), CASE_OPENED("case.opened"), CASE_UPDATED("case.updated");

	private final String wireName;

	EventType(String wireName) {
		this.wireName = wireName;
	}

	/** The name in events and in a webhook endpoint's {@code events}, such as {@code subscription.renewed}. */
	public String wireName() {
		return wireName;
	}

	public static Optional<EventType> ofWireName(String name) {
		return Arrays.stream(values()).filter(t -> t.wireName.equals(name)).findFirst();
	}
}
