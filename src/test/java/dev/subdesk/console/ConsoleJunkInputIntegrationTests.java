package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What a browser (or someone posing as one) can send to every console form and query: junk, oversized, missing,
 * NUL and foreign values. Each answer is a console page with a clear message (a 4xx page, or the form's page
 * again with a message), never a 500, and the account, its cases and the staff accounts are exactly as before.
 */
class ConsoleJunkInputIntegrationTests extends ApiIntegrationTest {

	static final String NUL = "x\u0000y";

	static final String OVERSIZED = "9".repeat(20_000);

	/** Long enough for every limit, short enough for a URL (a browser's and the server's). */
	static final String OVERSIZED_QUERY = "9".repeat(3_000);

	/** A form (or query) of the console and who sends it; {@code {a}} and the like are the ids of the setup. */
	record Endpoint(String method, String user, String path, List<String> fields, boolean needsInput,
			List<String> typedJunk) {

		@Override
		public String toString() {
			return method + " " + path;
		}
	}

	/** An account whose caller the agent verified (and confirmed the step-up code for), with one of everything. */
	record Setup(String account, String subscription, String charge, String card, String device, String confirmation,
			String caseNumber, String approval) {
	}

	@Autowired
	JdbcClient jdbc;

	static Stream<Endpoint> endpoints() {
		String acc = "/console/accounts/{a}";
		return Stream.of(post("agent", acc + "/verify", List.of("email", "orderNumber", "cardLast4", "billingPostcode",
				"caseNumber"), true, "@", ""),
				post("agent", acc + "/subscriptions/{s}/quote", List.of("mode", "reason", "caseNumber"), false, "SOMETIMES"),
				post("agent", acc + "/subscriptions/{s}/cancel", List.of("mode", "reason", "caseNumber"), false,
						"SOMETIMES"),
				post("agent", acc + "/subscriptions/{s}/offers/{o}/accept", List.of("caseNumber"), false),
				post("agent", acc + "/subscriptions/{s}/auto-renew", List.of("autoRenew", "caseNumber"), true, "maybe", ""),
				post("agent", acc + "/charges/{c}/refund", List.of("amount", "caseNumber"), false, "-5", "1e3", "12.345",
						"0", "99999999999999999999"),
				post("agent", acc + "/charges/{c}/goodwill", List.of("amount", "reason", "caseNumber"), true),
				post("agent", acc + "/devices/{d}/deactivate", List.of("caseNumber"), false),
				post("agent", acc + "/cancellations/{n}/resend", List.of("caseNumber"), false),
				post("agent", acc + "/step-up/send", List.of("action", "target", "email", "amount", "caseNumber"), true,
						"DELETE_EVERYTHING", "../x", "-5", ""),
				post("agent", acc + "/step-up/confirm", List.of("code", "caseNumber"), true, "12ab56", "1234567", ""),
				post("agent", acc + "/email/send-code", List.of("email", "caseNumber"), true, "no-at", "a b@c.de", ""),
				post("agent", acc + "/email", List.of("email", "code", "caseNumber"), true, "no-at", "a b@c.de", "12ab56", ""),
				post("agent", acc + "/cards/{p}/remove", List.of("caseNumber"), false),
				post("agent", acc + "/close", List.of("caseNumber"), false),
				post("supervisor", "/console/cases/{k}/assign", List.of(), false),
				post("supervisor", "/console/cases/{k}/resolve", List.of("note"), true, ""),
				post("supervisor", "/console/cases/{k}/pending", List.of("note"), true, ""),
				post("supervisor", "/console/cases/{k}/reopen", List.of("note"), true, ""),
				post("supervisor", "/console/cases/{k}/escalate", List.of("reason"), true, ""),
				post("admin", "/console/approvals/{r}/approve", List.of("note"), false),
				post("admin", "/console/approvals/{r}/reject", List.of("note"), true, ""),
				post("admin", "/console/staff", List.of("username", "displayName", "role", "password"), true, "ROOT",
						"../x", "short"),
				post("admin", "/console/staff/agent/enabled", List.of("enabled"), true, "perhaps", ""),
				post("admin", "/console/staff/agent/password", List.of("password"), true, "short", ""),
				post("agent", "/console/search", List.of("q", "last4"), true, "%", "_", "12a4"),
				get("agent", "/console", List.of("q", "last4"), "%", "_", "12a4"),
				get("agent", acc, List.of("case")),
				get("agent", acc + "/cancellations/{n}", List.of("case")),
				get("agent", "/console/cases/{k}", List.of()),
				get("supervisor", "/console/reports", List.of("from", "to"), "2026-02-30", "+10000-01-01", "-0001-01-01"),
				get("supervisor", "/console/audit", List.of("target"), "%"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("endpoints")
	void junkIsAClearConsoleErrorAndChangesNothing(Endpoint endpoint) {
		Setup setup = setUp();
		ConsoleClient client = endpoint.user().equals("agent") ? agent : ConsoleClient.signedIn(port, endpoint.user());
		for (Map.Entry<String, Map<String, String>> attempt : attempts(endpoint).entrySet()) {
			String before = state(setup);
			List<String> paths = paths(endpoint.path(), setup);
			for (String path : endpoint.fields().isEmpty() && endpoint.method().equals("POST")
					? paths.subList(1, paths.size()) : paths) {
				ConsoleClient.Page page = endpoint.method().equals("GET")
						? client.get(path + query(attempt.getValue())) : client.post(path, attempt.getValue());
				String what = endpoint + " with " + attempt.getKey() + " at " + abbreviated(path);
				assertFriendly(client, page, what);
				assertThat(state(setup)).as(what + ": nothing changed").isEqualTo(before);
			}
		}
	}

	@Test
	void anAuditLookUpOfAnyLengthIsAnsweredAndRecordedWithinTheIndexsLimit() {
		ConsoleClient supervisor = ConsoleClient.signedIn(port, "supervisor");
		StringBuilder random = new StringBuilder("acc_");
		java.util.Random letters = new java.util.Random(7);
		String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
		for (int i = 0; i < 3000; i++) {
			random.append(alphabet.charAt(letters.nextInt(alphabet.length())));
		}

		ConsoleClient.Page page = supervisor.get("/console/audit?target=" + random);

		assertThat(page.status()).as("a target no id is as long as").isEqualTo(200);
		assertThat(page.body()).contains("Acme agent console");
	}

	@Test
	void aRequestTheConsoleSecurityRefusesGetsTheConsolesErrorPage() {
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String account = fixtures.accountWithVisa();
		String before = state(account);

		ConsoleClient.Page forbidden = agent.get("/console/reports");
		ConsoleClient.Page noToken = agent.postRaw("/console/accounts/" + account + "/close", Map.of());

		assertThat(forbidden.status()).isEqualTo(403);
		assertThat(noToken.status()).isEqualTo(403);
		for (ConsoleClient.Page page : List.of(forbidden, noToken)) {
			assertThat(page.body()).contains("Acme agent console", "role=\"alert\"", "nothing")
				.doesNotContain("href=\"/console/reports\"");
		}
		assertThat(forbidden.body()).contains("Your role cannot open this page");
		assertThat(state(account)).isEqualTo(before);
	}

	@Test
	void junkOnTheSignInFormIsAFailedSignInAndNoSession() {
		for (Map<String, String> form : List.<Map<String, String>>of(Map.of("username", NUL, "password", NUL),
				Map.of("username", OVERSIZED, "password", OVERSIZED), Map.of("username", "agent", "password", OVERSIZED),
				Map.of("username", "agent"), Map.of(), Map.of("username", "%", "password", "_"))) {
			ConsoleClient client = new ConsoleClient(port);
			ConsoleClient.Page page = client.post(ConsoleSecurity.SIGN_IN, form);
			String what = form.keySet() + " " + form.values().stream().map(v -> v.length() + " chars").toList();
			assertThat(page.status()).as(what).isEqualTo(302);
			assertThat(page.location()).as(what).endsWith("/console/sign-in?error");
			assertThat(client.get(page.location().replaceFirst("^https?://[^/]+", "")).body()).as(what)
				.contains("Wrong username or password.");
			assertThat(client.get("/console").location()).as(what).endsWith("/console/sign-in");
		}
	}

	private ConsoleClient agent;

	/**
	 * Each junk value in every field at once, the endpoint's own typed junk in each field, and no fields at all
	 * where the form needs some. A form without fields is only tried at paths with junk ids.
	 */
	private static Map<String, Map<String, String>> attempts(Endpoint endpoint) {
		Map<String, Map<String, String>> attempts = new LinkedHashMap<>();
		if (endpoint.fields().isEmpty()) {
			attempts.put("no fields", Map.of());
			return attempts;
		}
		for (String junk : List.of(NUL, endpoint.method().equals("GET") ? OVERSIZED_QUERY : OVERSIZED)) {
			Map<String, String> form = new LinkedHashMap<>();
			endpoint.fields().forEach(f -> form.put(f, junk));
			attempts.put(label(junk) + " in every field", form);
		}
		for (String junk : endpoint.typedJunk()) {
			for (String field : endpoint.fields()) {
				attempts.put("'" + junk + "' in " + field, Map.of(field, junk));
			}
		}
		if (endpoint.needsInput() || endpoint.method().equals("GET")) {
			attempts.put("no fields", Map.of());
		}
		return attempts;
	}

	/**
	 * The path with the setup's ids, then with each id replaced by one that is not there, oversized or odd. (An
	 * encoded NUL in a path never reaches the application: the servlet container answers {@code 400} itself.)
	 */
	private static List<String> paths(String template, Setup s) {
		Map<String, String> ids = new LinkedHashMap<>();
		ids.put("{a}", s.account());
		ids.put("{s}", s.subscription());
		ids.put("{c}", s.charge());
		ids.put("{p}", s.card());
		ids.put("{d}", s.device());
		ids.put("{n}", s.confirmation());
		ids.put("{k}", s.caseNumber());
		ids.put("{r}", s.approval());
		ids.put("{o}", "off_missing");
		List<String> paths = new ArrayList<>();
		paths.add(fill(template, ids, null, null));
		for (String key : ids.keySet()) {
			if (template.contains(key) && !key.equals("{o}")) {
				for (String junk : List.of("missing-id", "x".repeat(3_000), "%3Cscript%3E%E2%80%AE%F0%9D%94%98")) {
					paths.add(fill(template, ids, key, junk));
				}
			}
		}
		return paths;
	}

	private static String fill(String template, Map<String, String> ids, String replaced, String junk) {
		String path = template;
		for (Map.Entry<String, String> id : ids.entrySet()) {
			path = path.replace(id.getKey(), id.getKey().equals(replaced) ? junk : id.getValue());
		}
		return path;
	}

	/**
	 * An error page of the console with its message, or a redirect to a console page that says what happened.
	 * Never a 500, a blank or foreign error page.
	 */
	private static void assertFriendly(ConsoleClient client, ConsoleClient.Page page, String what) {
		assertThat(page.status()).as(what + ": " + abbreviated(page.body())).isLessThan(500);
		if (page.status() == 302) {
			assertThat(page.location()).as(what).contains("/console").doesNotContain("sign-in");
			assertThat(client.followed(page)).as(what).contains("Acme agent console").containsAnyOf("role=\"status\"",
					"role=\"alert\"");
		}
		else if (page.status() >= 400) {
			assertThat(page.body()).as(what).contains("Acme agent console", "role=\"alert\"");
		}
		else {
			assertThat(page.body()).as(what).contains("Acme agent console");
		}
	}

	private Setup setUp() {
		Callers callers = new Callers(api);
		Callers.Caller caller = callers.withVpn("10115");
		String device = api.post("/accounts/" + caller.account() + "/devices", Map.of("name", "Laptop", "platform", "LINUX"))
			.id();
		String other = fixtures.subscribe(caller.account(), "antivirus-annual");
		String confirmation = fixtures.cancel(other, "END_OF_TERM").text("confirmationNumber");
		String card = api.get("/accounts/" + caller.account() + "/payment-methods").json().path("data").get(0).path("id")
			.asString();
		String charge = callers.firstCharge(caller.account()).path("id").asString();
		agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String base = "/console/accounts/" + caller.account();
		callers.confirmRefund(agent, caller, caseNumber, charge, "1");
		agent.followed(agent.post(base + "/charges/" + charge + "/goodwill",
				Map.of("amount", "1", "reason", "Outage", "caseNumber", caseNumber)));
		String approval = jdbc.sql("SELECT id FROM refund_approvals WHERE account_id = :a").param("a", caller.account())
			.query(String.class).single();
		return new Setup(caller.account(), caller.subscription(), charge, card, device, confirmation, caseNumber, approval);
	}

	/** Everything a console action could change about the account, its cases, and the staff accounts. */
	private String state(Setup s) {
		return state(s.account());
	}

	private String state(String account) {
		return jdbc.sql("""
				SELECT concat_ws(' | ',
				  (SELECT email || ' ' || status FROM accounts WHERE id = :a),
				  (SELECT count(*) FILTER (WHERE deleted_at IS NULL) FROM payment_methods WHERE account_id = :a),
				  (SELECT string_agg(status || ' ' || auto_renew || ' ' || coalesce(cancel_at::text, '-'), ',' ORDER BY id)
				     FROM subscriptions WHERE account_id = :a),
				  (SELECT count(*) FILTER (WHERE status = 'ACTIVE') FROM devices WHERE account_id = :a),
				  (SELECT string_agg(status || ' ' || refunded_amount, ',' ORDER BY id) FROM charges WHERE account_id = :a),
				  (SELECT count(*) FROM refunds WHERE account_id = :a),
				  (SELECT count(*) FROM cancellations WHERE account_id = :a),
				  (SELECT count(*) FROM offers o JOIN subscriptions x ON x.id = o.subscription_id WHERE x.account_id = :a),
				  (SELECT string_agg(status, ',' ORDER BY id) FROM refund_approvals WHERE account_id = :a),
				  (SELECT string_agg(status || ' ' || coalesce(owner, '-'), ',' ORDER BY case_number)
				     FROM support_cases WHERE account_id = :a),
				  (SELECT count(*) FROM case_events e JOIN support_cases c USING (case_number) WHERE c.account_id = :a),
				  (SELECT count(*) || ' ' || coalesce(sum(attempts), 0) FROM step_up_action_codes WHERE account_id = :a),
				  (SELECT count(*) FROM caller_verifications WHERE account_id = :a),
				  (SELECT count(*) FROM notices WHERE account_id = :a),
				  (SELECT count(*) FROM notice_redeliveries r JOIN notices n ON n.id = r.notice_id WHERE n.account_id = :a),
				  (SELECT string_agg(username || ' ' || role || ' ' || enabled || ' ' || md5(password_hash), ','
				     ORDER BY username) FROM staff_users))
				""").param("a", account).query(String.class).single();
	}

	private static Endpoint post(String user, String path, List<String> fields, boolean needsInput,
			String... typedJunk) {
		return new Endpoint("POST", user, path, fields, needsInput, List.of(typedJunk));
	}

	private static Endpoint get(String user, String path, List<String> fields, String... typedJunk) {
		return new Endpoint("GET", user, path, fields, false, List.of(typedJunk));
	}

	private static String query(Map<String, String> fields) {
		if (fields.isEmpty()) {
			return "";
		}
		StringBuilder query = new StringBuilder();
		fields.forEach((k, v) -> query.append(query.isEmpty() ? "?" : "&").append(k).append('=')
			.append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)));
		return query.toString();
	}

	private static String label(String junk) {
		return junk.equals(NUL) ? "NUL" : junk.length() + " characters";
	}

	private static String abbreviated(String text) {
		return text.length() > 300 ? text.substring(0, 300) + "…" : text;
	}
}
