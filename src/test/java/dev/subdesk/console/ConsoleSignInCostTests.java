package dev.subdesk.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.DisabledException;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * A console sign-in costs one password check whatever its answer, so that its time does not tell which usernames
 * exist: counted here as the encoder's checks, the work that takes the time (Argon2id), rather than timed. A review
 * thought a locked or disabled account was refused before any check; Spring Security 7 checks the password then too
 * (this passes on the provider as configured): a guard against a change of the provider or of Spring.
 */
class ConsoleSignInCostTests {

	/** An encoder whose hash is the password reversed, counting its checks. */
	static final class CountingEncoder implements PasswordEncoder {

		final List<String> checked = new ArrayList<>();

		@Override
		public String encode(CharSequence raw) {
			return new StringBuilder(raw).reverse().toString();
		}

		@Override
		public boolean matches(CharSequence raw, String encoded) {
			checked.add(encoded);
			return encode(raw).equals(encoded);
		}
	}

	private final Map<String, UserDetails> users = Map.of(
			"active", User.withUsername("active").password("terces").roles("AGENT").build(),
			"locked", User.withUsername("locked").password("terces").roles("AGENT").accountLocked(true).build(),
			"disabled", User.withUsername("disabled").password("terces").roles("AGENT").disabled(true).build());

	private final CountingEncoder encoder = new CountingEncoder();

	private final DaoAuthenticationProvider provider = ConsoleSecurity.provider(username -> {
		UserDetails user = users.get(username);
		if (user == null) {
			throw new UsernameNotFoundException("No such console user");
		}
		return User.withUserDetails(user).build();
	}, encoder);

	private int checksOf(String username, String password, Class<? extends Exception> refusal) {
		encoder.checked.clear();
		assertThatThrownBy(() -> provider.authenticate(
				UsernamePasswordAuthenticationToken.unauthenticated(username, password))).isInstanceOf(refusal);
		return encoder.checked.size();
	}

	@Test
	void everyRefusalCostsOnePasswordCheck() {
		assertThat(checksOf("nobody", "secret", BadCredentialsException.class)).as("an unknown username").isEqualTo(1);
		assertThat(checksOf("active", "wrong", BadCredentialsException.class)).as("a wrong password").isEqualTo(1);
		assertThat(checksOf("locked", "wrong", LockedException.class)).as("a locked account").isEqualTo(1);
		assertThat(checksOf("locked", "secret", LockedException.class))
			.as("a locked account, the right password: refused the same, no oracle").isEqualTo(1);
		assertThat(checksOf("disabled", "secret", DisabledException.class)).as("a disabled account").isEqualTo(1);
		assertThat(encoder.checked).as("checked against the account's own hash, at its cost").containsExactly("terces");
	}

	@Test
	void theRightPasswordOfAnActiveAccountSignsIn() {
		encoder.checked.clear();
		assertThat(provider.authenticate(UsernamePasswordAuthenticationToken.unauthenticated("active", "secret"))
			.isAuthenticated()).isTrue();
		assertThat(encoder.checked).hasSize(1);
	}
}
