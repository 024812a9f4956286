package dev.subdesk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What a client can break around a request rather than in its fields, over real HTTP: a multipart content type on
 * any request, a form-encoded body on PUT, PATCH or DELETE, a session cookie that no session of ours has. Each gets
 * the answer the request would have had without the breakage (or a clear refusal), never a 500.
 */
@SubdeskIntegrationTest
class BrokenEnvelopesIntegrationTests {

	@LocalServerPort
	int port;

	private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

	@Test
	void aMultipartContentTypeWithABrokenBodyIsNotParsedForRequestsThatReadNone() throws Exception {
		HttpResponse<String> channels = send(request("/api/v1/official-channels")
			.header("Content-Type", "multipart/form-data; boundary=x").GET());
		assertThat(channels.statusCode()).as(channels.body()).isEqualTo(200);

		HttpResponse<String> page = send(request("/cancel").header("Content-Type", "multipart/form-data; boundary=x").GET());
		assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
		assertThat(page.body()).contains("Cancel contracts here");

		HttpResponse<String> form = send(request("/cancel").header("Content-Type", "multipart/form-data; boundary=x")
			.POST(HttpRequest.BodyPublishers.ofString("--x\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nORD")));
		assertThat(form.statusCode()).as("refused as any form without its token: " + form.body()).isEqualTo(403);
	}

	@Test
	void aFormEncodedBodyOnPatchIsRefusedLikeAnyRequestWithoutTheKey() throws Exception {
		HttpResponse<String> patch = send(request("/api/v1/accounts/acct_x")
			.header("Content-Type", "application/x-www-form-urlencoded")
			.method("PATCH", HttpRequest.BodyPublishers.ofString("a=%zz")));

		assertThat(patch.statusCode()).as(patch.body()).isEqualTo(401);
		assertThat(patch.headers().firstValue("Content-Type")).hasValueSatisfying(
				type -> assertThat(type).startsWith("application/problem+json"));
	}

	@Test
	void aSessionCookieNoSessionOfOursHasMakesTheVisitorANewOne() throws Exception {
		// "YQBi" is base64 of "a\0b": looked up as it is, PostgreSQL refused the NUL
		for (String value : new String[] { "YQBi", "not base64!", "", "AAAA", "bm9wZQ" }) {
			HttpResponse<String> page = send(request("/cancel").header("Cookie", "SESSION=" + value).GET());
			assertThat(page.statusCode()).as("SESSION=%s: %s", value, page.body()).isEqualTo(200);
			assertThat(page.body()).contains("Cancel contracts here");
		}
		HttpResponse<String> signIn = send(request("/portal/sign-in").header("Cookie", "SESSION=YQBi; other=1").GET());
		assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(200);
	}

	private HttpRequest.Builder request(String path) {
		return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(30));
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}
}
