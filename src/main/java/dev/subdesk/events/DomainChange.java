package dev.subdesk.events;

import java.util.List;

/**
 * A state change of one of the contract's resources, published by the module that made it, synchronously and
 * inside the change's transaction ({@code ApplicationEventPublisher.publishEvent}). {@code resource} is that
 * module's own value after the change (an {@code Account}, a {@code Subscription}, a {@code Charge}, a
 * {@code RefundOfSubscription}, a {@code Device}, a {@code SupportCase}). The edge that knows the API's shapes turns it into the
 * event's {@code data} and appends it to the {@link EventLog} in the same transaction: see docs/DESIGN-NOTES.md.
 */
public record DomainChange(EventType type, Object resource) {

	/** Several changes made together (a renewal batch), recorded with one set-based append, in this order. */
	public record Batch(List<DomainChange> changes) {
	}

	/** The same type for each resource, in order. */
	public static Batch batch(EventType type, List<?> resources) {
		return new Batch(resources.stream().map(r -> new DomainChange(type, r)).toList());
	}
}
