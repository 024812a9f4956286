package dev.subdesk.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The whole application on a real embedded PostgreSQL, over real HTTP on a random port, with the test clock
 * on. Every class with this annotation shares one application context (and so one database): tests isolate
 * themselves by creating their own accounts.
 */
@Target(ElementType.TYPE)
@java.lang.annotation.Inherited
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
		"subdesk.api.key=" + Api.TEST_KEY,
		"subdesk.metrics.token=" + SubdeskIntegrationTest.METRICS_TOKEN,
		"subdesk.clock.test-clock=true",
		"subdesk.entitlements.kek=" + SubdeskIntegrationTest.ENTITLEMENT_KEK,
		"subdesk.data-dir=${java.io.tmpdir}/subdesk-tests/${random.uuid}", "subdesk.data-dir-disposable=true",
		"subdesk.jobs.initial-delay=PT1H",
		// every test's browser is 127.0.0.1: the per-address limits of sign-in and the public forms would stop the suite
		"subdesk.portal.codes-per-ip=100000", "subdesk.portal.public-requests-per-ip=100000",
		// the demo customers would show up in searches and counts of the shared database: DemoDataIntegrationTests seeds them
		"subdesk.demo.seed=false",
		// a plan with a free trial (issue 12), which the demo catalog of the contract does not have
		"subdesk.extra-migrations=classpath:db/testdata",
		// store sync: the tests' own App Store root and Google push keys (src/test/resources/stores), no real ones
		"subdesk.stores.apple.root-certificates=classpath:stores/test-apple-root.pem",
		"subdesk.stores.apple.bundle-id=example.acme.app",
		// the tests' notifications are the sandbox's, as a vendor's staging server would take them
		"subdesk.stores.apple.environment=Sandbox",
		"subdesk.stores.google.jwks-uri=classpath:stores/test-google-jwks.json",
		"subdesk.stores.google.audience=https://subdesk.test/api/v1/channels/google/rtdn",
		"subdesk.stores.google.service-account=rtdn-push@acme-test.iam.example",
		"subdesk.stores.google.package-name=example.acme.app",
		"subdesk.stores.products[example.acme.antivirus.monthly]=antivirus-monthly",
		"logging.level.dev.subdesk=WARN" })
public @interface SubdeskIntegrationTest {

	/** The key-encryption key of the entitlement signing keys in tests: base64 of 32 bytes, no secret. */
	String ENTITLEMENT_KEK = "c3ViZGVzay10ZXN0LWtlay0zMi1ieXRlcy1sb25nISE=";

	/** The tests' metrics token (reads the metrics only), no secret. */
	String METRICS_TOKEN = "mt_test_metrics_token_0123456789";
}
