package dev.subdesk.stores;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The sandbox Play Developer API: the subscription purchases it knows are the ones put here (by tests, or by hand in
 * demo mode), by package name and purchase token. With a service account key configured, {@link GooglePlayDeveloperApi}
 * is used instead.
 */
@Component
public class SandboxPlaySubscriptions implements PlaySubscriptionsApi {

	private final Map<String, PlaySubscription> purchases = new ConcurrentHashMap<>();

	/** What {@code purchases.subscriptionsv2.get} answers for this token from now on. */
	public void put(String packageName, String purchaseToken, PlaySubscription purchase) {
		purchases.put(packageName + "\n" + purchaseToken, purchase);
	}

	@Override
	public Optional<PlaySubscription> get(String packageName, String purchaseToken) {
		return Optional.ofNullable(purchases.get(packageName + "\n" + purchaseToken));
	}
}
