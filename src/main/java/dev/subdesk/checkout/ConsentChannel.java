package dev.subdesk.checkout;

/** Where a consent was given: through the API, on the hosted checkout page, or to an agent. */
public enum ConsentChannel {
	API, CHECKOUT, AGENT
}
