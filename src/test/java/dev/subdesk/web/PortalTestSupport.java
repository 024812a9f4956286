package dev.subdesk.web;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.Fixtures;
import dev.subdesk.testing.Mailbox;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** What the portal tests share: the server, the API client, and a customer with one subscription. */
abstract class PortalTestSupport {

	@LocalServerPort
	int port;

	Api api;

	Fixtures fixtures;

	@Autowired
	private org.springframework.jdbc.core.simple.JdbcClient database;

	@BeforeEach
	void setUpApi() {
		Mailbox.register(port, database);
		api = new Api(port);
		fixtures = new Fixtures(api);
	}

	/** A new account with a VISA card and one subscription to {@code planCode}. */
	record Customer(String account, String email, String subscription, String orderNumber) {
	}

	Customer customerWith(String planCode) {
		String account = accountWithVisa();
		String subscription = fixtures.subscribe(account, planCode);
		return new Customer(account, email(account), subscription, fixtures.subscription(subscription).text("orderNumber"));
	}

	/**
	 * A new account in Ireland with a VISA card: in the EU (the withdrawal applies) and signed-in pages in
	 * English (an account in Germany, Austria or Liechtenstein sees them in German).
	 */
	String accountWithVisa() {
		String account = fixtures.account("IE", null);
		fixtures.card(account, "tok_visa");
		return account;
	}

	String email(String account) {
		return api.get("/accounts/" + account).text("email");
	}

	List<String> noticeTypes(String account) {
		JsonNode data = api.get("/accounts/" + account + "/notices?limit=50").json().path("data");
		return data.values().stream().map(n -> n.path("type").asString()).toList();
	}

	String url(String path) {
		return "http://localhost:" + port + path;
	}
}
