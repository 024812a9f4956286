package dev.subdesk.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.testing.Api;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ConcurrencyIntegrationTests extends ApiIntegrationTest {

	@Test
	void simultaneousImmediateCancellationsOfOneSubscriptionMakeOneCancellation() throws Exception {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		List<Api.Response> responses = together(8, () -> fixtures.cancel(sub, "IMMEDIATE"));
		assertThat(responses).filteredOn(r -> r.status() == 200).hasSize(1);
		assertThat(responses).filteredOn(r -> r.status() == 409)
			.hasSize(7)
			.allSatisfy(r -> assertThat(r.code()).isEqualTo("ALREADY_CANCELLED"));
		assertThat(api.get("/accounts/" + account + "/notices?limit=100").json().path("data").values().stream()
			.filter(n -> n.path("type").asString().equals("CANCELLATION_CONFIRMATION"))).hasSize(1);
		assertThat(api.get("/accounts/" + account + "/charges").json().path("data").get(0).path("refundedAmount").asLong())
			.isEqualTo(5999);
	}

	@Test
	void simultaneousEndOfTermCancellationsReturnOneConfirmationNumber() throws Exception {
		String account = fixtures.accountWithVisa();
		String sub = fixtures.subscribe(account, "antivirus-annual");
		List<Api.Response> responses = together(8, () -> fixtures.cancel(sub, "END_OF_TERM"));
		assertThat(responses).allSatisfy(r -> assertThat(r.status()).isEqualTo(200));
		assertThat(responses.stream().map(r -> r.text("confirmationNumber")).distinct()).hasSize(1);
	}

	private static List<Api.Response> together(int n, Callable<Api.Response> call) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(n);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<Future<Api.Response>> futures = IntStream.range(0, n).mapToObj(i -> pool.submit(() -> {
				start.await();
				return call.call();
			})).toList();
			start.countDown();
			List<Api.Response> responses = new java.util.ArrayList<>();
			for (Future<Api.Response> f : futures) {
				responses.add(f.get());
			}
			return responses;
		}
		finally {
			pool.shutdownNow();
		}
	}
}
