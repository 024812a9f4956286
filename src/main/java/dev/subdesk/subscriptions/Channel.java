package dev.subdesk.subscriptions;

/** Who bills a subscription: Subdesk itself, or an app store that bills and cancels it. */
public enum Channel {
	DIRECT, APP_STORE, GOOGLE_PLAY;

	public boolean storeBilled() {
		return this != DIRECT;
	}

	/** The store's name as customers know it. */
	public String storeName() {
		return switch (this) {
			case DIRECT -> "Acme";
			case APP_STORE -> "the App Store";
			case GOOGLE_PLAY -> "Google Play";
		};
	}
}
