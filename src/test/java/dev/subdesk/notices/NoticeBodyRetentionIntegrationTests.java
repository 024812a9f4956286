package dev.subdesk.notices;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The body of a notice the mail server took is erased after {@code subdesk.notices.body-retention} (400 days by
 * default); what proves it was sent stays, and what was never sent, or is being delivered again, keeps its body.
 */
class NoticeBodyRetentionIntegrationTests extends ApiIntegrationTest {

	@Autowired
	NoticeBodyRetention retention;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	Clock clock;

	@Test
	void aNoticeSentLongerAgoThanTheRetentionLosesItsBodyAndKeepsItsRecord() {
		String account = fixtures.accountWithVisa();
		for (int i = 0; i < 3; i++) {
			fixtures.subscribe(account, "antivirus-annual");
		}
		Map<String, JsonNode> before = notices(account);
		assertThat(before).hasSizeGreaterThanOrEqualTo(4);
		var ids = before.keySet().stream().sorted().toList();
		String sentLongAgo = ids.get(0);
		String sentRecently = ids.get(1);
		String neverSent = ids.get(2);
		String beingRedelivered = ids.get(3);
		Instant now = clock.instant();
		sent(sentLongAgo, now.minus(Duration.ofDays(401)));
		sent(sentRecently, now.minus(Duration.ofDays(399)));
		sent(beingRedelivered, now.minus(Duration.ofDays(500)));
		jdbc.sql("""
				INSERT INTO notice_redeliveries (notice_id, recipient, requested_by, requested_at)
				VALUES (:id, 'someone@example.com', 'agent', :at)
				""").param("id", beingRedelivered).param("at", Timestamp.from(now)).update();

		assertThat(retention.purge()).isGreaterThanOrEqualTo(1);

		Map<String, JsonNode> after = notices(account);
		assertThat(after.get(sentLongAgo).path("body").isNull()).as("erased after 400 days").isTrue();
		assertThat(after.get(sentLongAgo).path("subject").asString()).isEqualTo(before.get(sentLongAgo).path("subject").asString());
		assertThat(after.get(sentLongAgo).path("deliveryStatus").asString()).isEqualTo("SENT");
		assertThat(after.get(sentLongAgo).path("sentAt").isNull()).isFalse();
		assertThat(after.get(sentRecently).path("body").asString()).isEqualTo(before.get(sentRecently).path("body").asString());
		assertThat(after.get(neverSent).path("body").asString()).as("never sent: the only copy")
			.isEqualTo(before.get(neverSent).path("body").asString());
		assertThat(after.get(beingRedelivered).path("body").asString()).as("a re-delivery is under way")
			.isEqualTo(before.get(beingRedelivered).path("body").asString());
		assertThat(retention.purge()).as("nothing left to erase").isZero();
	}

	private void sent(String noticeId, Instant at) {
		jdbc.sql("UPDATE notices SET sent_at = :at WHERE id = :id").param("at", Timestamp.from(at)).param("id", noticeId)
			.update();
	}

	private Map<String, JsonNode> notices(String account) {
		Map<String, JsonNode> notices = new HashMap<>();
		Api.Response page = api.get("/accounts/" + account + "/notices?limit=100");
		assertThat(page.status()).as(page.toString()).isEqualTo(200);
		for (JsonNode notice : page.json().path("data")) {
			notices.put(notice.path("id").asString(), notice);
		}
		return notices;
	}
}
