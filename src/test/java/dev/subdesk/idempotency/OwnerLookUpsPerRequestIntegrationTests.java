package dev.subdesk.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.shared.AccountOwners;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.util.AopTestUtils;
import org.springframework.test.util.ReflectionTestUtils;

/**
 * An idempotent request asks the modules that keep records ({@link AccountOwners}) whose are the ids it names once: the
 * ids of its path and body before it runs (its key is linked to their accounts from the claim on), and afterwards only
 * the ids that its answer alone names. Each module asks its database only about ids of its own kind.
 */
class OwnerLookUpsPerRequestIntegrationTests extends ApiIntegrationTest {

	@Autowired
	IdempotentAnswers answers;

	@Test
	void theRecordsAnIdempotentRequestNamesAreLookedUpOnce() {
		String account = fixtures.accountWithVisa();
		String subscription = fixtures.subscribe(account, "antivirus-annual");
		IdempotentAnswers target = AopTestUtils.getTargetObject(answers);
		@SuppressWarnings("unchecked")
		List<AccountOwners> real = (List<AccountOwners>) ReflectionTestUtils.getField(target, "owners");
		List<String> asked = java.util.Collections.synchronizedList(new ArrayList<>());
		// every module is asked with the same ids: one module's calls are the exchange's look-ups
		AccountOwners first = real.get(0);
		List<AccountOwners> recording = real.stream().<AccountOwners>map(owner -> new AccountOwners() {
			@Override
			public Set<String> owning(Collection<String> ids) {
				if (owner == first) {
					asked.addAll(ids);
				}
				return owner.owning(ids);
			}
		}).toList();
		ReflectionTestUtils.setField(target, "owners", recording);
		dev.subdesk.testing.Api.Response cancelled;
		try {
			cancelled = api.with("Idempotency-Key", "cancel-" + UUID.randomUUID())
				.post("/subscriptions/" + subscription + "/cancel",
						Map.of("mode", "END_OF_TERM", "reason", "OTHER", "feedback", "Klaus lost his job"));
		}
		finally {
			ReflectionTestUtils.setField(target, "owners", real);
		}
		assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
		String number = cancelled.text("confirmationNumber");
		assertThat(asked).as("the subscription of the path and the answer's confirmation number, each asked about once")
			.containsOnlyOnce(subscription, number);
	}
}
