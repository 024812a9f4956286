package dev.subdesk.console;

import dev.subdesk.shared.SubdeskException;
import dev.subdesk.staff.PasswordRetriesUsedUp;
import dev.subdesk.staff.StaffAccounts;
import dev.subdesk.support.AuditTrail;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.security.Principal;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The ADMINs' page of staff accounts: create, disable or enable, and set a new password; a disable or a new password
 * ends the account's open sessions. Creating a SUPERVISOR or ADMIN account, setting any account's password (the
 * ADMIN's own or another's) and enabling an account take the ADMIN's current password too
 * ({@link StaffAccounts#confirmToCreate}, {@link StaffAccounts#confirmToSetPassword},
 * {@link StaffAccounts#confirmToSetEnabled}): an ADMIN session left open or stolen is not enough to make or take over
 * an ADMIN. A refusal for the password changes nothing and is audited as {@code ACTION_REFUSED}; the one that uses up
 * the session's wrong passwords signs the session out. Every change is audited.
 */
@Controller
class StaffController {

	/** What the audit names as the target of a refused change of an account that does not exist (yet): the page. */
	private static final String TARGET = "/console/staff";

	/** The audit's reason of every change here. */
	private static final String REASON = "staff administration";

	/** The new account as typed; {@code currentPassword}, the ADMIN's own, for a SUPERVISOR or ADMIN account. */
	record NewStaffForm(@Nullable String username, @Nullable String displayName, @Nullable String role,
			@Nullable String password, @Nullable String currentPassword) {
	}

	/**
	 * Enable or disable; {@code null} when the form did not say (a missing field never disables anyone);
	 * {@code currentPassword}, the ADMIN's own, for an enable.
	 */
	record EnabledForm(@Nullable Boolean enabled, @Nullable String currentPassword) {
	}

	/** A new password, and the ADMIN's own current one. */
	record PasswordForm(@Nullable String password, @Nullable String currentPassword) {
	}

	/** A staff account as the page shows it (never the hash). */
	record StaffRow(String username, String displayName, String role, boolean enabled, String createdBy) {

		static StaffRow of(StaffAccounts.Member m) {
			return new StaffRow(m.username(), m.displayName(), m.role().name(), m.enabled(), m.createdBy());
		}
	}

	private final StaffAccounts staff;
	private final AuditTrail audit;
	private final AgentLog log;

	StaffController(StaffAccounts staff, AuditTrail audit, AgentLog log) {
		this.staff = staff;
		this.audit = audit;
		this.log = log;
	}

	@GetMapping("/console/staff")
	String list(Model model, Principal admin) {
		model.addAttribute("me", admin.getName());
		if (!model.containsAttribute("form")) {
			model.addAttribute("form", new NewStaffForm("", "", "AGENT", null, null));
		}
		model.addAttribute("members", staff.all().stream().map(StaffRow::of).toList());
		model.addAttribute("roles", StaffAccounts.Role.values());
		model.addAttribute("minPassword", StaffAccounts.MIN_PASSWORD);
		return "console/staff";
	}

	@PostMapping("/console/staff")
	String create(NewStaffForm form, Principal admin, Model model, HttpServletRequest request,
			HttpServletResponse response, RedirectAttributes redirect) {
		StaffAccounts.@Nullable Role role = role(form.role());
		try {
			staff.confirmToCreate(admin.getName(), role, form.currentPassword(), ConsoleSecurity.sessionId(request),
					request.getRemoteAddr());
		}
		catch (SubdeskException e) {
			log.passwordRefused(admin.getName(), "STAFF_CREATED", TARGET, e, REASON);
			if (e instanceof PasswordRetriesUsedUp) {
				return ConsoleSecurity.signOutForPasswordRetries(request, response);
			}
			return createRefused(form, e, admin, model, response);
		}
		try {
			StaffAccounts.Member member = log.inOneTransaction(() -> {
				StaffAccounts.Member created = staff.create(text(form.username()), text(form.displayName()), role,
						text(form.password()), admin.getName());
				audit.record(admin.getName(), AgentLog.CHANNEL, "STAFF_CREATED", created.username(),
						created.displayName() + ", " + created.role(), null, REASON);
				return created;
			});
			redirect.addFlashAttribute("message", "Created " + member.username() + " (" + member.role() + ").");
			return "redirect:/console/staff";
		}
		catch (SubdeskException e) {
			return createRefused(form, e, admin, model, response);
		}
	}

	/** The page again with the error and the form as typed, without either password. */
	private String createRefused(NewStaffForm form, SubdeskException e, Principal admin, Model model,
			HttpServletResponse response) {
		response.setStatus(e.status());
		model.addAttribute("error", describe(e));
		model.addAttribute("form", new NewStaffForm(form.username(), form.displayName(), form.role(), null, null));
		return list(model, admin);
	}

	@PostMapping("/console/staff/{username}/enabled")
	String setEnabled(@PathVariable String username, EnabledForm form, Principal admin, HttpServletRequest request,
			HttpServletResponse response, RedirectAttributes redirect) {
		if (form.enabled() == null) {
			redirect.addFlashAttribute("error", "Nothing changed: say whether " + username + " is to be enabled or disabled.");
			return "redirect:/console/staff";
		}
		boolean enabled = form.enabled();
		try {
			staff.confirmToSetEnabled(admin.getName(), enabled, form.currentPassword(),
					ConsoleSecurity.sessionId(request), request.getRemoteAddr());
		}
		catch (SubdeskException e) {
			return refused(username, "STAFF_ENABLED", e, admin, request, response, redirect);
		}
		try {
			StaffAccounts.Member member = log.inOneTransaction(() -> {
				StaffAccounts.Member changed = staff.setEnabled(username, enabled, admin.getName());
				audit.record(admin.getName(), AgentLog.CHANNEL, enabled ? "STAFF_ENABLED" : "STAFF_DISABLED",
						changed.username(), null, null, REASON);
				return changed;
			});
			redirect.addFlashAttribute("message", member.username() + (enabled ? " is enabled." : " is disabled."));
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", describe(e));
		}
		return "redirect:/console/staff";
	}

	@PostMapping("/console/staff/{username}/password")
	String resetPassword(@PathVariable String username, PasswordForm form, Principal admin, HttpSession session,
			HttpServletRequest request, HttpServletResponse response, RedirectAttributes redirect) {
		try {
			// anyone's: a session left open is not enough to set a password that keeps or takes over an account
			staff.confirmToSetPassword(admin.getName(), username, form.currentPassword(),
					ConsoleSecurity.sessionId(request), request.getRemoteAddr());
		}
		catch (SubdeskException e) {
			return refused(username, "STAFF_PASSWORD_SET", e, admin, request, response, redirect);
		}
		try {
			long sessionVersion = log.inOneTransaction(() -> {
				long version = staff.resetPassword(username, text(form.password()));
				audit.record(admin.getName(), AgentLog.CHANNEL, "STAFF_PASSWORD_SET", username, null, null, REASON);
				return version;
			});
			if (username.equals(admin.getName())) {
				// the ADMIN who set their own password stays signed in here; their other sessions end
				session.setAttribute(ConsoleStaff.SESSION_VERSION, sessionVersion);
			}
			redirect.addFlashAttribute("message", "New password set for " + username + ".");
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", describe(e));
		}
		return "redirect:/console/staff";
	}

	/**
	 * A change of the account {@code username} that the ADMIN's password refused: audited as refused (naming the
	 * account when there is one of that name), nothing else done, the page again with the error; when the session's
	 * wrong passwords are used up, the session is signed out instead and the browser sent to the sign-in page.
	 */
	private String refused(String username, String action, SubdeskException refusal, Principal admin,
			HttpServletRequest request, HttpServletResponse response, RedirectAttributes redirect) {
		String target = staff.find(username).map(StaffAccounts.Member::username).orElse(TARGET);
		log.passwordRefused(admin.getName(), action, target, refusal, REASON);
		if (refusal instanceof PasswordRetriesUsedUp) {
			return ConsoleSecurity.signOutForPasswordRetries(request, response);
		}
		redirect.addFlashAttribute("error", describe(refusal));
		return "redirect:/console/staff";
	}

	private static String text(@Nullable String value) {
		return value == null ? "" : value;
	}

	private static StaffAccounts.@Nullable Role role(@Nullable String value) {
		return Arrays.stream(StaffAccounts.Role.values())
			.filter(r -> r.name().equals(value == null ? "" : value.strip().toUpperCase(Locale.ROOT)))
			.findFirst()
			.orElse(null);
	}

	private static String describe(SubdeskException e) {
		if (e.errors().isEmpty()) {
			return e.getMessage() + ".";
		}
		return e.errors().stream().map(f -> label(f.field()) + ": " + f.message()).collect(Collectors.joining("; ")) + ".";
	}

	private static String label(String field) {
		return switch (field) {
			case "username" -> "Username";
			case "displayName" -> "Display name";
			case "role" -> "Role";
			case "password" -> "Password";
			case "currentPassword" -> "Current password";
			default -> field;
		};
	}
}
