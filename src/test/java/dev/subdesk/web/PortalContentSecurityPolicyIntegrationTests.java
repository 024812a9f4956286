package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The portal's and the public pages' Content-Security-Policy allows no inline style (their stylesheet is a file of
 * their own origin), so markup slipped into a page through something a customer typed cannot restyle it (a fake
 * "call this number" banner over the page), and no script at all beyond the origin's.
 */
@SubdeskIntegrationTest
class PortalContentSecurityPolicyIntegrationTests extends PortalTestSupport {

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void everyPublicAndPortalPageForbidsInlineStylesAndOtherOrigins() throws Exception {
		for (String path : List.of("/", "/support", "/cancel", "/withdraw", "/portal/sign-in", "/portal")) {
			HttpResponse<String> response = get(path);
			String policy = response.headers().firstValue("Content-Security-Policy").orElse("(none)");
			assertThat(policy).as(path)
				.contains("default-src 'self'", "style-src 'self'", "form-action 'self'", "frame-ancestors 'none'",
						"base-uri 'none'")
				.doesNotContain("unsafe-inline", "unsafe-eval", "*");
		}
	}

	@Test
	void theSiteStylesheetIsServedFromTheOrigin() throws Exception {
		HttpResponse<String> css = get("/site.css");
		assertThat(css.statusCode()).isEqualTo(200);
		assertThat(css.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/css"));
		assertThat(css.body()).contains("header.site{background:#0b2e59");
		assertThat(get("/").body()).contains("<link rel=\"stylesheet\" href=\"/site.css\">");
	}

	@Test
	void noPageTemplateHasAnInlineStyleOrScript() throws IOException {
		try (Stream<Path> templates = Files.walk(Path.of("src/main/resources/templates"))) {
			for (Path template : templates.filter(p -> p.toString().endsWith(".html")).toList()) {
				assertThat(Files.readString(template)).as(template.toString())
					.doesNotContainPattern("(?i)<script|<style|\\sstyle=|th:style|\\son[a-z]+=|th:on[a-z]+=|javascript:");
			}
		}
	}

	private HttpResponse<String> get(String path) throws IOException, InterruptedException {
		return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}
}
