package dev.subdesk.console;

import dev.subdesk.shared.SubdeskException;
import dev.subdesk.staff.StaffAccounts;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Working a case: taking it over ("assign to me"), waiting for the customer, resolving it with a note (the
 * customer gets a CASE_UPDATE notice) and reopening it. Only the case's owner or a supervisor may resolve it or
 * set it to wait; an agent takes over only a case nobody else owns, or one of a disabled staff account. Every
 * step is audited.
 */
@Controller
class CaseActionsController {

	static final int MAX_NOTE = 2000;

	/** The text typed with a step: the resolution, what is awaited, or why it opens again. */
	record NoteForm(@Nullable String note) {
	}

	private final Support support;
	private final AuditTrail audit;
	private final StaffAccounts staff;

	CaseActionsController(Support support, AuditTrail audit, StaffAccounts staff) {
		this.support = support;
		this.audit = audit;
		this.staff = staff;
	}

	/** Whether this signed-in user may resolve the case or set it to wait: its owner, or a supervisor. */
	static boolean mayWork(SupportCase c, HttpServletRequest request) {
		return isSupervisor(request) || request.getRemoteUser() != null && request.getRemoteUser().equals(c.owner());
	}

	/**
	 * Whether this signed-in user may make the case theirs: nobody owns it, its owner's staff account is disabled
	 * (a leaver's cases do not wait for a supervisor), or they are a supervisor.
	 */
	static boolean mayTake(SupportCase c, HttpServletRequest request, StaffAccounts staff) {
		return c.owner() == null || isSupervisor(request) || !staff.enabled(c.owner());
	}

	static boolean isSupervisor(HttpServletRequest request) {
		return request.isUserInRole("SUPERVISOR") || request.isUserInRole("ADMIN");
	}

	@PostMapping("/console/cases/{caseNumber}/assign")
	String assign(@PathVariable String caseNumber, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		SupportCase c = find(caseNumber);
		if (!agent.getName().equals(c.owner()) && !mayTake(c, request, staff)) {
			throw new SubdeskException(403, "CASE_OWNED", "Case " + c.caseNumber() + " belongs to " + c.owner()
					+ "; a supervisor can reassign it");
		}
		support.assign(c.caseNumber(), agent.getName(), agent.getName());
		audit.record(agent.getName(), AgentLog.CHANNEL, "ASSIGN_CASE", c.auditTarget(), "Owner: " + agent.getName(),
				c.caseNumber(), "taking ownership");
		redirect.addFlashAttribute("message", "The case is yours.");
		return "redirect:/console/cases/{caseNumber}";
	}

	@PostMapping("/console/cases/{caseNumber}/resolve")
	String resolve(@PathVariable String caseNumber, NoteForm form, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		SupportCase c = workable(caseNumber, request);
		return noted(c, form, agent, redirect, new Step("RESOLVE_CASE", "Write what was done to resolve the case.",
				"Resolved; the customer has been told by email."),
				note -> support.resolve(c.caseNumber(), note, agent.getName()));
	}

	@PostMapping("/console/cases/{caseNumber}/pending")
	String awaitCustomer(@PathVariable String caseNumber, NoteForm form, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		SupportCase c = workable(caseNumber, request);
		return noted(c, form, agent, redirect, new Step("CASE_PENDING_CUSTOMER",
				"Write what the customer is to send or do.", "The case waits for the customer."),
				note -> support.awaitCustomer(c.caseNumber(), note, agent.getName()));
	}

	@PostMapping("/console/cases/{caseNumber}/reopen")
	String reopen(@PathVariable String caseNumber, NoteForm form, Principal agent, RedirectAttributes redirect) {
		SupportCase c = find(caseNumber);
		return noted(c, form, agent, redirect,
				new Step("REOPEN_CASE", "Write why the case opens again.", "The case is open again."),
				note -> support.reopen(c.caseNumber(), note, agent.getName()));
	}

	/** A step that needs a note: its audit action, what to say when the note is missing, and when it is done. */
	private record Step(String action, String whenBlank, String done) {
	}

	/** Takes the step with the note typed (audited), or asks for the note when it is blank or too long. */
	private String noted(SupportCase c, NoteForm form, Principal agent, RedirectAttributes redirect, Step step,
			Consumer<String> change) {
		String note = AccountController.blankToNull(form.note());
		if (note == null || note.length() > MAX_NOTE) {
			redirect.addFlashAttribute("message", note == null ? step.whenBlank()
					: "Keep the note under " + MAX_NOTE + " characters.");
			return "redirect:/console/cases/{caseNumber}";
		}
		change.accept(note);
		audit.record(agent.getName(), AgentLog.CHANNEL, step.action(), c.auditTarget(), note, c.caseNumber(), "case work");
		redirect.addFlashAttribute("message", step.done());
		return "redirect:/console/cases/{caseNumber}";
	}

	private SupportCase find(String caseNumber) {
		return support.find(caseNumber).orElseThrow(() -> SubdeskException.notFound("Case", caseNumber));
	}

	private SupportCase workable(String caseNumber, HttpServletRequest request) {
		SupportCase c = find(caseNumber);
		if (!mayWork(c, request)) {
			throw new SubdeskException(403, "CASE_NOT_YOURS",
					"Only the case's owner or a supervisor can do this; take ownership of the case first");
		}
		return c;
	}
}
