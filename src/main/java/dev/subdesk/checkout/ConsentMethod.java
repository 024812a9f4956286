package dev.subdesk.checkout;

/** How the buyer expressed consent: a ticked checkbox, the purchase button's own words, or an agent's record. */
public enum ConsentMethod {
	CHECKBOX, BUTTON, AGENT_RECORDED
}
