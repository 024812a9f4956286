package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.ApiIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * At most three step-up codes reach a customer in 15 minutes, even when an agent's "Send code" is pressed in a dozen
 * tabs at once: the sends of one account wait for each other (the account's row lock), so exactly three go out.
 */
class StepUpCodeLimitUnderConcurrencyIntegrationTests extends ApiIntegrationTest {

	@Test
	void twelveSendsForOneAccountAtOnceEmailExactlyThreeCodes() throws Exception {
		Callers callers = new Callers(api);
		Callers.Caller caller = callers.withVpn("10115");
		ConsoleClient agent = ConsoleClient.signedIn(port, "agent");
		String caseNumber = Callers.verify(agent, caller, "10115");
		String send = "/console/accounts/" + caller.account() + "/step-up/send";
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService threads = Executors.newFixedThreadPool(12);
		try {
			List<Future<Integer>> sent = new ArrayList<>();
			for (int i = 0; i < 12; i++) {
				sent.add(threads.submit(() -> {
					start.await();
					return agent.post(send, Map.of("caseNumber", caseNumber, "action", "CLOSE_ACCOUNT")).status();
				}));
			}
			start.countDown();
			for (Future<Integer> f : sent) {
				assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(302);
			}
		}
		finally {
			threads.shutdownNow();
		}

		assertThat(callers.notices(caller.account(), "VERIFICATION_CODE")).isEqualTo(3);
	}
}
