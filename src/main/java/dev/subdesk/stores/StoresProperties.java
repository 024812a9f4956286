package dev.subdesk.stores;

import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Store sync as configured ({@code subdesk.stores.*}).
 *
 * @param products the store's product id for each plan code it sells, by product id (a product id that is itself
 *        a plan code needs no entry)
 * @param apple the App Store
 * @param google Google Play
 */
@ConfigurationProperties("subdesk.stores")
record StoresProperties(@Nullable Map<String, String> products, @Nullable Apple apple, @Nullable Google google) {

	/**
	 * @param rootCertificates where the trusted root certificates are (PEM; {@code classpath:}, {@code file:}, or an
	 *        address as {@link StoreAddresses} allows): Apple Root CA - G3 in production; none configured refuses every
	 *        notification
	 * @param bundleId the app's bundle id: a notification for another app is refused
	 * @param environment the App Store environment whose notifications count: {@code Production} (the default); a
	 *        notification or transaction of the other ({@code Sandbox}: test purchases nobody pays for) is refused
	 * @param api the App Store Server API a purchase whose notice did not come is looked up at ({@link StoreLookups});
	 *        unset: App Store purchases are not looked up
	 */
	record Apple(@Nullable List<String> rootCertificates, @Nullable String bundleId, @Nullable String environment,
			@Nullable Api api) {

		Apple {
			if (rootCertificates != null) {
				for (String location : rootCertificates) {
					StoreAddresses.requireLocation("subdesk.stores.apple.root-certificates", location);
				}
			}
		}

		/** The environment whose notifications count, {@code Production} unless configured. */
		String environmentOrDefault() {
			return environment == null || environment.isBlank() ? "Production" : environment;
		}

		/**
		 * @param privateKey where the In-App Purchase key App Store Connect issued is (its {@code .p8} file: a PKCS#8 EC
		 *        P-256 private key in PEM), {@code file:} or {@code classpath:}
		 * @param keyId the key's id (the JWT's {@code kid})
		 * @param issuerId the issuer id App Store Connect shows with its keys (the JWT's {@code iss})
		 * @param baseUrl the API's address: by default {@code https://api.storekit.itunes.apple.com}, or
		 *        {@code https://api.storekit-sandbox.itunes.apple.com} when the environment is {@code Sandbox};
		 *        {@code https://} only, or {@code http://} to the loopback ({@link StoreAddresses})
		 * @param timeout the time to connect, and the most one exchange takes, its answer's body included
		 *        ({@link StoreHttp}), 10 s by default
		 */
		record Api(String privateKey, @Nullable String keyId, @Nullable String issuerId, @Nullable String baseUrl,
				java.time.@Nullable Duration timeout) {

			Api {
				StoreAddresses.requireLocation("subdesk.stores.apple.api.private-key", privateKey);
				StoreAddresses.requireEndpoint("subdesk.stores.apple.api.base-url", baseUrl);
			}
		}
	}

	/**
	 * @param jwksUri where Google's signing keys are (a JWK Set: {@code https://www.googleapis.com/oauth2/v3/certs},
	 *        or {@code classpath:}/{@code file:}; {@code http://} only to the loopback, {@link StoreAddresses}); none
	 *        configured refuses every push
	 * @param audience the audience the push subscription puts in its tokens
	 * @param serviceAccount the email of the service account the push subscription authenticates as
	 * @param packageName the app's package name: a notification for another app is refused; none configured refuses
	 *        every push
	 * @param api the Play Developer API the state of a purchase is read from; unset: the sandbox
	 */
	record Google(@Nullable String jwksUri, @Nullable String audience, @Nullable String serviceAccount,
			@Nullable String packageName, @Nullable Api api) {

		Google {
			StoreAddresses.requireLocation("subdesk.stores.google.jwks-uri", jwksUri);
		}

		/**
		 * @param serviceAccountKey where the vendor's service account key file (JSON) is, {@code file:} or
		 *        {@code classpath:}; the account needs the Play Console's "View financial data" permission
		 * @param baseUrl the API's address, {@code https://androidpublisher.googleapis.com} by default;
		 *        {@code https://} only, or {@code http://} to the loopback ({@link StoreAddresses})
		 * @param timeout the time to connect, and the most one exchange takes, its answer's body included
		 *        ({@link StoreHttp}), 10 s by default
		 */
		record Api(String serviceAccountKey, @Nullable String baseUrl, java.time.@Nullable Duration timeout) {

			Api {
				StoreAddresses.requireLocation("subdesk.stores.google.api.service-account-key", serviceAccountKey);
				StoreAddresses.requireEndpoint("subdesk.stores.google.api.base-url", baseUrl);
			}
		}
	}

	String planFor(String productId) {
		return products == null ? productId : products.getOrDefault(productId, productId);
	}
}
