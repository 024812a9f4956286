package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subdesk.staff.StaffAccounts;
import dev.subdesk.testing.ApiIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.security.core.userdetails.UserDetails;

/**
 * A staff username's sign-in lock counts attempts that arrive together: of twenty sign-ins of one username from one
 * address at the same moment, exactly ten get as far as having their password checked, the others are locked out.
 */
class ConsoleSignInLimitUnderConcurrencyIntegrationTests extends ApiIntegrationTest {

	@Autowired
	ConsoleStaff staff;

	@Test
	void twentySignInsOfOneUsernameAtOnceCheckAtMostTenPasswords() throws Exception {
		String username = "staff-" + UUID.randomUUID().toString().substring(0, 8);
		ConsoleClient admin = ConsoleClient.signedIn(port, "admin");
		assertThat(admin.post("/console/staff", Map.of("username", username, "displayName", "Robin", "role", "AGENT",
				"password", "a-long-enough-password-1")).status()).isEqualTo(302);
		CountDownLatch start = new CountDownLatch(1);
		ExecutorService threads = Executors.newFixedThreadPool(20);
		List<Boolean> mayCheckPassword = new ArrayList<>();
		try {
			List<Future<UserDetails>> attempts = new ArrayList<>();
			for (int i = 0; i < 20; i++) {
				attempts.add(threads.submit(() -> {
					start.await();
					return staff.loadUserByUsername(username);
				}));
			}
			start.countDown();
			for (Future<UserDetails> attempt : attempts) {
				mayCheckPassword.add(attempt.get(60, TimeUnit.SECONDS).isAccountNonLocked());
			}
		}
		finally {
			threads.shutdownNow();
		}

		assertThat(mayCheckPassword).filteredOn(Boolean::booleanValue).hasSize(StaffAccounts.MAX_FAILURES);
	}
}
