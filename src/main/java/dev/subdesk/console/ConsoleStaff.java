package dev.subdesk.console;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * The console's staff accounts. In demo mode (no external database) there are three: {@code agent},
 * {@code supervisor} and {@code admin}, with the password {@code subdesk.console.demo-password}, or, when that
 * is blank, one generated and logged once at start-up. Only the password's Argon2 hash is kept.
 */
@Component
class ConsoleStaff implements UserDetailsService {

	private static final Logger log = LoggerFactory.getLogger(ConsoleStaff.class);

	private final PasswordEncoder encoder = ConsoleSecurity.passwordEncoder();

	private final Map<String, UserDetails> users;

	ConsoleStaff(@Value("${subdesk.console.demo-password:}") String demoPassword,
			@Value("${subdesk.db-url:}") String dbUrl) {
		if (!dbUrl.isBlank()) {
			this.users = Map.of();
			return;
		}
		String password = demoPassword;
		if (password.isBlank()) {
			byte[] random = new byte[15];
			new SecureRandom().nextBytes(random);
			password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
			log.warn("""

					=====================================================================
					 Demo mode: subdesk.console.demo-password was not set, so this one was
					 generated for the console users agent, supervisor and admin.
					 Console password: {}
					=====================================================================""", password);
		}
		String hash = encoder.encode(password);
		this.users = List.of(user("agent", hash, "AGENT"), user("supervisor", hash, "SUPERVISOR"),
				user("admin", hash, "ADMIN"))
			.stream()
			.collect(Collectors.toUnmodifiableMap(UserDetails::getUsername, Function.identity()));
	}

	private static UserDetails user(String name, String hash, String role) {
		return User.withUsername(name).password(hash).roles(role).build();
	}

	PasswordEncoder passwordEncoder() {
		return encoder;
	}

	@Override
	public UserDetails loadUserByUsername(String username) {
		UserDetails user = users.get(username);
		if (user == null) {
			throw new UsernameNotFoundException("No such console user");
		}
		// A copy: Spring Security erases the credentials of the instance it authenticates.
		return User.withUserDetails(user).build();
	}
}
