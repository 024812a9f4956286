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
 * ends the account's open sessions. An ADMIN setting their own password gives their current one too
 * ({@link StaffAccounts#confirmCurrentPassword}; the one that uses up the session's wrong passwords signs it out).
 * Every change is audited.
 */
@Controller
class StaffController {

	/** The new account as typed. */
	record NewStaffForm(@Nullable String username, @Nullable String displayName, @Nullable String role,
			@Nullable String password) {
	}

	/** Enable or disable; {@code null} when the form did not say (a missing field never disables anyone). */
	record EnabledForm(@Nullable Boolean enabled) {
	}

	/** A new password; {@code currentPassword} only when the ADMIN sets their own. */
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
			model.addAttribute("form", new NewStaffForm("", "", "AGENT", null));
		}
		model.addAttribute("members", staff.all().stream().map(StaffRow::of).toList());
		model.addAttribute("roles", StaffAccounts.Role.values());
		model.addAttribute("minPassword", StaffAccounts.MIN_PASSWORD);
		return "console/staff";
	}

	@PostMapping("/console/staff")
	String create(NewStaffForm form, Principal admin, Model model, HttpServletResponse response,
			RedirectAttributes redirect) {
		try {
			StaffAccounts.Member member = log.inOneTransaction(() -> {
				StaffAccounts.Member created = staff.create(text(form.username()), text(form.displayName()),
						role(form.role()), form.password() == null ? "" : form.password(), admin.getName());
				audit.record(admin.getName(), AgentLog.CHANNEL, "STAFF_CREATED", created.username(),
						created.displayName() + ", " + created.role(), null, "staff administration");
				return created;
			});
			redirect.addFlashAttribute("message", "Created " + member.username() + " (" + member.role() + ").");
			return "redirect:/console/staff";
		}
		catch (SubdeskException e) {
			response.setStatus(e.status());
			model.addAttribute("error", describe(e));
			model.addAttribute("form", new NewStaffForm(form.username(), form.displayName(), form.role(), null));
			return list(model, admin);
		}
	}

	@PostMapping("/console/staff/{username}/enabled")
	String setEnabled(@PathVariable String username, EnabledForm form, Principal admin, RedirectAttributes redirect) {
		if (form.enabled() == null) {
			redirect.addFlashAttribute("error", "Nothing changed: say whether " + username + " is to be enabled or disabled.");
			return "redirect:/console/staff";
		}
		boolean enabled = form.enabled();
		try {
			StaffAccounts.Member member = log.inOneTransaction(() -> {
				StaffAccounts.Member changed = staff.setEnabled(username, enabled, admin.getName());
				audit.record(admin.getName(), AgentLog.CHANNEL, enabled ? "STAFF_ENABLED" : "STAFF_DISABLED",
						changed.username(), null, null, "staff administration");
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
			if (username.equals(admin.getName())) {
				// their own: a session left open is not enough to set a password that keeps the account
				staff.confirmCurrentPassword(admin.getName(), form.currentPassword(), ConsoleSecurity.sessionId(request),
						request.getRemoteAddr());
			}
			long sessionVersion = log.inOneTransaction(() -> {
				long version = staff.resetPassword(username, form.password() == null ? "" : form.password());
				audit.record(admin.getName(), AgentLog.CHANNEL, "STAFF_PASSWORD_SET", username, null, null,
						"staff administration");
				return version;
			});
			if (username.equals(admin.getName())) {
				// the ADMIN who set their own password stays signed in here; their other sessions end
				session.setAttribute(ConsoleStaff.SESSION_VERSION, sessionVersion);
			}
			redirect.addFlashAttribute("message", "New password set for " + username + ".");
		}
		catch (PasswordRetriesUsedUp e) {
			return ConsoleSecurity.signOutForPasswordRetries(request, response);
		}
		catch (SubdeskException e) {
			redirect.addFlashAttribute("error", describe(e));
		}
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
