package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A browser that asks for a page that does not exist, or uses a method a page does not take, gets the error page in
 * HTML; an API client asking the same under {@code /api/} still gets problem+json.
 */
@SubdeskIntegrationTest
class PageErrorsIntegrationTests extends PortalTestSupport {

	private static final String BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

	@Test
	void aPageThatDoesNotExistIsTheErrorPageInTheBrowsersLanguage() throws Exception {
		HttpResponse<String> english = get("/cancel/nothing-here", BROWSER_ACCEPT, "en");
		assertThat(english.statusCode()).isEqualTo(404);
		assertThat(english.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
		assertThat(english.body()).contains("This page does not exist.").contains("Cancel contracts here");

		HttpResponse<String> german = get("/support/nothing-here", BROWSER_ACCEPT, "de");
		assertThat(german.statusCode()).isEqualTo(404);
		assertThat(german.body()).contains("lang=\"de\"").contains("Verträge hier kündigen");
	}

	@Test
	void aFormsAddressOpenedInTheBrowserIsTheErrorPageNotJson() throws Exception {
		HttpResponse<String> response = get("/portal/cards", BROWSER_ACCEPT, "en");
		// Signed out, the portal sends the browser to sign in first; a signed-in GET of a POST-only address is 405.
		assertThat(response.statusCode()).isIn(302, 405);
		PortalSession session = new PortalSession(port, "en").signIn(api, accountWithVisa());
		PortalSession.Page signedIn = session.get("/portal/cards");
		assertThat(signedIn.status()).isEqualTo(405);
		assertThat(signedIn.body()).contains("Something went wrong").contains("<html").doesNotContain("\"code\"");
	}

	@Test
	void aQueryStringThatCannotBeDecodedIsTheErrorPageNotAServerError() throws Exception {
		for (String path : List.of("/cancel?order=%FF", "/withdraw?order=%C3%28")) {
			HttpResponse<String> response = get(path, BROWSER_ACCEPT, "en");
			assertThat(response.statusCode()).as(path).isEqualTo(400);
			assertThat(response.body()).as(path).contains("Something went wrong");
		}
		PortalSession session = new PortalSession(port, "en").signIn(api, accountWithVisa());
		assertThat(session.get("/portal?x=%FF").status()).isEqualTo(400);
	}

	@Test
	void theApiStillAnswersProblemJsonWhateverTheClientAccepts() throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url("/api/v1/nothing-here"))).header("Accept", BROWSER_ACCEPT)
				.header("Authorization", "Bearer " + Api.TEST_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.body()).contains("\"code\":\"NOT_FOUND\"");

		HttpResponse<String> json = get("/cancel/nothing-here", "application/json", "en");
		assertThat(json.statusCode()).isEqualTo(404);
		assertThat(json.headers().firstValue("Content-Type")).hasValue("application/problem+json");
	}

	private HttpResponse<String> get(String path, String accept, String languages) throws Exception {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create(url(path))).header("Accept", accept).header("Accept-Language", languages)
				.GET().build(), HttpResponse.BodyHandlers.ofString());
	}
}
