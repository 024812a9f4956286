package dev.subdesk.console;

import dev.subdesk.shared.SubdeskException;
import dev.subdesk.support.AuditTrail;
import dev.subdesk.support.Support;
import dev.subdesk.support.SupportCase;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Working a case: taking it over ("assign to me"), waiting for the customer, resolving it with a note (the
 * customer gets a CASE_UPDATE notice) and reopening it. Only the case's owner or a supervisor may resolve it or
 * set it to wait; an agent takes over only a case nobody else owns. Every step is audited.
 */
@Controller
class CaseActionsController {

	static final int MAX_NOTE = 2000;

	/** The text typed with a step: the resolution, what is awaited, or why it opens again. */
	record NoteForm(@Nullable String note) {
	}

	private final Support support;
	private final AuditTrail audit;

	CaseActionsController(Support support, AuditTrail audit) {
		this.support = support;
		this.audit = audit;
	}

	/** Whether this signed-in user may resolve the case or set it to wait: its owner, or a supervisor. */
	static boolean mayWork(SupportCase c, HttpServletRequest request) {
		return isSupervisor(request) || request.getRemoteUser() != null && request.getRemoteUser().equals(c.owner());
	}

	/** Whether this signed-in user may make the case theirs: nobody else owns it, or they are a supervisor. */
	static boolean mayTake(SupportCase c, HttpServletRequest request) {
		return c.owner() == null || isSupervisor(request);
	}

	static boolean isSupervisor(HttpServletRequest request) {
		return request.isUserInRole("SUPERVISOR") || request.isUserInRole("ADMIN");
	}

	@PostMapping("/console/cases/{caseNumber}/assign")
	String assign(@PathVariable String caseNumber, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		SupportCase c = find(caseNumber);
		if (!agent.getName().equals(c.owner()) && !mayTake(c, request)) {
			throw new SubdeskException(403, "CASE_OWNED", "Case " + c.caseNumber() + " belongs to " + c.owner()
					+ "; a supervisor can reassign it");
		}
		support.assign(c.caseNumber(), agent.getName(), agent.getName());
		audit.record(agent.getName(), AgentLog.CHANNEL, "ASSIGN_CASE", c.accountId(), "Owner: " + agent.getName(),
				c.caseNumber(), "taking ownership");
		redirect.addFlashAttribute("message", "The case is yours.");
		return "redirect:/console/cases/{caseNumber}";
	}

	@PostMapping("/console/cases/{caseNumber}/resolve")
	String resolve(@PathVariable String caseNumber, NoteForm form, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		SupportCase c = workable(caseNumber, request);
		String note = note(form, "Write what was done to resolve the case.", redirect);
		if (note == null) {
			return "redirect:/console/cases/{caseNumber}";
		}
		support.resolve(c.caseNumber(), note, agent.getName());
		audit.record(agent.getName(), AgentLog.CHANNEL, "RESOLVE_CASE", c.accountId(), note, c.caseNumber(),
				"case resolved");
		redirect.addFlashAttribute("message", "Resolved; the customer has been told by email.");
		return "redirect:/console/cases/{caseNumber}";
	}

	@PostMapping("/console/cases/{caseNumber}/pending")
	String awaitCustomer(@PathVariable String caseNumber, NoteForm form, Principal agent, HttpServletRequest request,
			RedirectAttributes redirect) {
		SupportCase c = workable(caseNumber, request);
		String note = note(form, "Write what the customer is to send or do.", redirect);
		if (note == null) {
			return "redirect:/console/cases/{caseNumber}";
		}
		support.awaitCustomer(c.caseNumber(), note, agent.getName());
		audit.record(agent.getName(), AgentLog.CHANNEL, "CASE_PENDING_CUSTOMER", c.accountId(), note, c.caseNumber(),
				"waiting for the customer");
		redirect.addFlashAttribute("message", "The case waits for the customer.");
		return "redirect:/console/cases/{caseNumber}";
	}

	@PostMapping("/console/cases/{caseNumber}/reopen")
	String reopen(@PathVariable String caseNumber, NoteForm form, Principal agent, RedirectAttributes redirect) {
		SupportCase c = find(caseNumber);
		String note = note(form, "Write why the case opens again.", redirect);
		if (note == null) {
			return "redirect:/console/cases/{caseNumber}";
		}
		support.reopen(c.caseNumber(), note, agent.getName());
		audit.record(agent.getName(), AgentLog.CHANNEL, "REOPEN_CASE", c.accountId(), note, c.caseNumber(),
				"case reopened");
		redirect.addFlashAttribute("message", "The case is open again.");
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

	/** The note, stripped; null (with the message to show) when it is blank or too long. */
	private static @Nullable String note(NoteForm form, String whenBlank, RedirectAttributes redirect) {
		String note = AccountController.blankToNull(form.note());
		if (note == null || note.length() > MAX_NOTE) {
			redirect.addFlashAttribute("message", note == null ? whenBlank
					: "Keep the note under " + MAX_NOTE + " characters.");
			return null;
		}
		return note;
	}
}
