package dev.subdesk.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.cancellation.AccountClosures;
import dev.subdesk.cancellation.CancellationChannel;
import dev.subdesk.testing.SubdeskIntegrationTest;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A public form that names the address of an account being closed, even as the address for the confirmation of
 * someone else's contract, waits for the closure: what it keeps with that address is then written after the closure,
 * never between its erasure and its commit, where the erasure would have missed it (DESIGN invariant 14).
 */
@SubdeskIntegrationTest
class PublicFormsWaitForAClosureIntegrationTests extends PortalTestSupport {

	@Autowired
	AccountClosures closures;

	@Autowired
	TransactionTemplate tx;

	@Test
	void aCancellationNamingTheAddressOfAnAccountBeingClosedForItsConfirmationWaitsForTheClosure() throws Exception {
		Customer closing = customerWith("vpn-annual");
		CountDownLatch erased = new CountDownLatch(1);
		CountDownLatch commit = new CountDownLatch(1);
		// threads of their own: the common pool may have a single thread on a small machine
		ExecutorService threads = Executors.newFixedThreadPool(2);
		CompletableFuture<Void> closure = CompletableFuture.runAsync(() -> tx.executeWithoutResult(status -> {
			closures.close(closing.account(), CancellationChannel.API, "test");
			erased.countDown();
			await(commit);
		}), threads);
		assertThat(erased.await(20, TimeUnit.SECONDS)).isTrue();

		CompletableFuture<PortalSession.Page> form = CompletableFuture.supplyAsync(() -> {
			PortalSession session = new PortalSession(port);
			session.get("/cancel");
			// a request that matches nothing and names no other account: nothing else it does waits for the closure
			return session.post("/cancel", Map.of("kind", "ORDINARY", "name", "Ann Other", "email",
					"nobody-" + System.nanoTime() + "@example.com", "orderNumber", "ORD-0000-0000", "timing", "EARLIEST",
					"confirmationEmail", closing.email()));
		}, threads);
		try {
			form.get(1500, TimeUnit.MILLISECONDS);
			throw new AssertionError("the form did not wait for the closure of the account whose address it names");
		}
		catch (TimeoutException waiting) {
			// as it should: the closing account is locked until its closure commits
		}
		finally {
			commit.countDown();
		}
		closure.get(20, TimeUnit.SECONDS);
		assertThat(form.get(20, TimeUnit.SECONDS).status()).isEqualTo(302);
		threads.shutdown();
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
