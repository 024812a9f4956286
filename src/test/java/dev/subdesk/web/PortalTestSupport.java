package dev.subdesk.web;

import dev.subdesk.support.Api;
import dev.subdesk.support.Fixtures;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** What the portal tests share: the server, the API client, and a customer with one subscription. */
abstract class PortalTestSupport {

	@LocalServerPort
	int port;

	Api api;

	Fixtures fixtures;

	@BeforeEach
	void setUpApi() {
		api = new Api(port);
		fixtures = new Fixtures(api);
	}

	/** A new account with a VISA card and one subscription to {@code planCode}. */
	record Customer(String account, String email, String subscription, String orderNumber) {
	}

	Customer customerWith(String planCode) {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, planCode);
		return new Customer(account, email(account), subscription, fixtures.subscription(subscription).text("orderNumber"));
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
