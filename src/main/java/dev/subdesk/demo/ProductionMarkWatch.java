package dev.subdesk.demo;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ApplicationContext;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * A demo node that is already running when a production start first marks its database ({@code production_mark},
 * V448, dev.subdesk.ProductionMark) stops: demo mode is refused on such a database at start, and a node that was
 * running before the mark must not go on showing its e-mails at {@code /demo/mailbox} (sign-in codes included),
 * seeding demo customers, or running the jobs under a test clock on production data.
 * <p>
 * The mark is read where it matters, each time: before every mailbox page ({@link #demoMode()}) and before each demo
 * customer is seeded ({@link #readDemoMode()}); and every {@code subdesk.demo.production-mark-check} (10 s) by a
 * job, for the rest. The first read that finds it logs an error saying why and closes the application as a SIGTERM
 * would (readiness REFUSING_TRAFFIC, in-flight requests finish, the server stops listening, the jobs stop): not merely
 * health DOWN, since the jobs would go on. A restart is refused with ProductionMark's message. Nothing is written to
 * the database. A read that fails says nothing either way ({@link DemoMode#UNKNOWN}): it stops no node; the mailbox
 * answers 503 for that request, the seeding fails the start, and the job tries again at its next check.
 */
@Component
@ConditionalOnProperty(name = "subdesk.demo-mode", havingValue = "true")
class ProductionMarkWatch {

	private static final Logger log = LoggerFactory.getLogger(ProductionMarkWatch.class);

	private final JdbcClient jdbc;

	private final ApplicationContext context;

	private final AtomicBoolean marked = new AtomicBoolean();

	ProductionMarkWatch(JdbcClient jdbc, ApplicationContext context) {
		this.jdbc = jdbc;
		this.context = context;
	}

	/** What the database says, read now, about demo mode going on. */
	enum DemoMode {
		/** The database has no production mark. */
		ALLOWED,
		/** A production start has marked it: the node is stopping. */
		MARKED,
		/** The read failed (the database did not answer, say): not known either way; the node is not stopped. */
		UNKNOWN
	}

	/**
	 * Reads the mark now (unless already found): {@link DemoMode#MARKED} stops the node; a failed read is logged and
	 * answers {@link DemoMode#UNKNOWN}, without stopping it. For the mailbox's pages.
	 */
	DemoMode demoMode() {
		try {
			return readDemoMode();
		}
		catch (DataAccessException e) {
			log.warn("Demo mode: could not read production_mark, so the demo mailbox answers 503 for this request", e);
			return DemoMode.UNKNOWN;
		}
	}

	/**
	 * As {@link #demoMode()}, but a failed read is thrown rather than answered {@link DemoMode#UNKNOWN}: for the
	 * seeding, which must not go on or quietly stop when it cannot know.
	 */
	DemoMode readDemoMode() {
		if (marked.get()) {
			return DemoMode.MARKED;
		}
		if (read()) {
			stop();
			return DemoMode.MARKED;
		}
		return DemoMode.ALLOWED;
	}

	/**
	 * The job: reads the mark; a failed read is logged and tried again next time, without stopping the node (a
	 * database that does not answer for a moment is no production mark).
	 */
	@Scheduled(fixedDelayString = "${subdesk.demo.production-mark-check:PT10S}",
			initialDelayString = "${subdesk.demo.production-mark-check:PT10S}")
	void check() {
		try {
			if (!marked.get() && read()) {
				stop();
			}
		}
		catch (DataAccessException e) {
			log.warn("Demo mode: could not read production_mark; trying again at the next check", e);
		}
	}

	private boolean read() {
		return Boolean.TRUE.equals(jdbc.sql("SELECT EXISTS (SELECT 1 FROM production_mark)").query(Boolean.class).single());
	}

	private void stop() {
		if (!marked.compareAndSet(false, true)) {
			return;
		}
		String first;
		try {
			first = jdbc.sql("SELECT to_char(first_started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' "
					+ "FROM production_mark").query(String.class).optional().orElse("?");
		}
		catch (RuntimeException e) {
			// only the message's detail: a failed read must not leave the node running (the mark is set, no check follows)
			first = "? (not read: " + e.getMessage() + ")";
		}
		log.error("Demo mode (SUBDESK_MODE=demo) is running on a database that a production-mode start has now marked "
				+ "(first started in production mode at {}, table production_mark). This node stops: the demo mailbox "
				+ "(/demo/mailbox) is shut, the demo customers are not seeded and the application closes. "
				+ "Demo mode would show every e-mail of this database, customers' sign-in codes included, to anyone who "
				+ "can reach it, and run the jobs under a test clock on production data. Start this node in production "
				+ "mode (remove SUBDESK_MODE=demo), or give demo mode a new, empty database of its own.", first);
		// on a thread of its own: closing the context from one of its scheduler's or server's threads would wait on itself
		Thread closing = new Thread(() -> SpringApplication.exit(context, () -> 1), "demo-mode-stop");
		closing.setDaemon(false);
		closing.start();
	}
}
