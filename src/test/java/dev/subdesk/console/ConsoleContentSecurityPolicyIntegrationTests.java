package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every console response carries a strict Content-Security-Policy: nothing loads from elsewhere, no script runs (the
 * console has none), no inline style or handler, forms post only to the console's own origin, and no other site may
 * frame it. A script slipped into a page through a customer's name or a case note would not run.
 */
class ConsoleContentSecurityPolicyIntegrationTests extends ApiIntegrationTest {

	@Test
	void everyConsolePageForbidsScriptsInlineStylesAndOtherOrigins() {
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		ConsoleClient anonymous = new ConsoleClient(port);
		for (String path : List.of("/console", "/console/accounts/" + fixtures.accountWithVisa(), "/console/queue",
				"/console/cases/CASE-NOPE00")) {
			assertStrict(policy(agent, path), path);
		}
		assertStrict(policy(anonymous, "/console/sign-in"), "sign-in");
		assertStrict(policy(anonymous, "/console"), "the redirect to sign-in");
	}

	private static void assertStrict(String policy, String what) {
		assertThat(policy).as(what).contains("default-src 'none'", "script-src 'none'", "style-src 'self'", "form-action 'self'",
				"frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'").doesNotContain("unsafe-inline", "unsafe-eval", "*");
	}

	@Test
	void noConsoleTemplateHasAnInlineScriptStyleOrEventHandler() throws java.io.IOException {
		try (var templates = java.nio.file.Files.list(java.nio.file.Path.of("src/main/resources/templates/console"))) {
			for (java.nio.file.Path template : templates.toList()) {
				String html = java.nio.file.Files.readString(template);
				assertThat(html).as(template.toString())
					.doesNotContainPattern("(?i)<script|<style|\\sstyle=|th:style|\\son[a-z]+=|th:on[a-z]+=|javascript:");
			}
		}
	}

	private static String policy(ConsoleClient client, String path) {
		return client.headers(path).firstValue("Content-Security-Policy").orElse("(none)");
	}
}
