package dev.subdesk.cancellation;

/** Where a cancellation was asked for: the API, the customer portal, an agent, or the server's own jobs. */
public enum CancellationChannel {
	API, PORTAL, AGENT, SYSTEM
}
