package dev.subdesk.console;

import dev.subdesk.staff.StaffAccounts;
import java.util.List;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The console's sign-in over the staff accounts of {@link StaffAccounts}: it translates an account's credentials
 * into Spring Security's user (role {@code ROLE_<role>}, locked while the account's sign-ins wait), with the client
 * address of the request that signs in. The rules (usernames, passwords, lockout, session versions) are the
 * {@code staff} module's.
 */
@Component
class ConsoleStaff implements UserDetailsService {

	/** The session attribute with the account's session version at sign-in (a {@code Long}). */
	static final String SESSION_VERSION = ConsoleStaff.class.getName() + ".SESSION_VERSION";

	/**
	 * The account a sign-in authenticated, with the session version read with its password hash: a new password
	 * set in between raises the version, so the session begun with the old one is ended at its next request.
	 */
	static final class SignedIn extends User {

		private static final long serialVersionUID = 1L;

		private final long sessionVersion;

		SignedIn(StaffAccounts.Credentials credentials) {
			super(credentials.username(), credentials.passwordHash(), credentials.enabled(), true, true,
					!credentials.locked(), List.of(new SimpleGrantedAuthority("ROLE_" + credentials.role().name())));
			this.sessionVersion = credentials.sessionVersion();
		}

		long sessionVersion() {
			return sessionVersion;
		}
	}

	private final StaffAccounts staff;

	ConsoleStaff(StaffAccounts staff) {
		this.staff = staff;
	}

	/** The account for a sign-in, counted as an attempt before its password is checked ({@link StaffAccounts#beginSignIn}). */
	@Override
	public UserDetails loadUserByUsername(String username) {
		return staff.beginSignIn(username, clientAddress())
			.map(SignedIn::new)
			.orElseThrow(() -> new UsernameNotFoundException("No such console user"));
	}

	/** The address of the client signing in (the sign-in runs inside its request), or "" outside a request. */
	static String clientAddress() {
		return RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
				? attributes.getRequest().getRemoteAddr()
				: "";
	}
}
