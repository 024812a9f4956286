package dev.subdesk.sealing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The fleet's record of the key-encryption key in use ({@code kek_in_use}, V610). When a node starts, before it seals
 * anything ({@link #checked}, as its {@link KeyEncryptionKey} is made), it reads the key id a node's start recorded last.
 * When that id is neither this node's current key nor one of its previous or next keys ({@link KeyEncryptionKey#opens}),
 * the node was started with another {@code SUBDESK_ENTITLEMENT_KEK} than the fleet (a typo, the wrong secret, a
 * rotation step skipped): what it sealed the other nodes could not open, so it refuses to start
 * ({@link KeyEncryptionKeyNotInUse}). Once every bean is made (every other start check passed: the receipt signing
 * key's), before the web server takes a request, it checks again and records its own current key id with the clock's
 * time, which is then the one recorded last: a start refused for any reason records nothing. An empty record (a new
 * installation, or the first start after the upgrade to V610) checks nothing.
 * <p>
 * Every step of a rotation (docs/OPERATIONS.md) starts: a node of step 1 (old current, new next) and one of step 2
 * (new current, old previous) each accept the other's id, in any order; once every node runs step 2 the new key is the
 * one recorded last, so a node of step 4 (the new key alone) starts, and a node of step 1 (rolled back) too, until a
 * node of step 4 records that it opens the new key alone. A node
 * with the old key alone after that is refused: it could not open what the new key seals.
 * <p>
 * "Last" is the database's order of the records ({@code recorded_seq}), not the time: the nodes' clocks may differ
 * and are whole seconds. The second check and the record hold the table's lock in one short transaction, so of two
 * nodes with different keys starting at once, the second to record is refused. On an empty record the first check
 * takes that lock too and holds it, in a transaction on a connection of its own, until the node records (or its start
 * fails, or its process dies, which rolls it back): a node starting meanwhile waits for that record at its first check
 * (at most the lock timeout, 10 s, then its start fails) and is checked against it before it seals anything, so two
 * nodes with different keys can never both pass on an empty record. One row per key id ever run.
 */
final class KeyEncryptionKeyInUse implements SmartInitializingSingleton, DisposableBean {

	private static final Logger log = LoggerFactory.getLogger(KeyEncryptionKeyInUse.class);

	/** Taken by each record; plain reads go on, another start's record waits for this one. */
	private static final String LOCK = "LOCK TABLE kek_in_use IN SHARE ROW EXCLUSIVE MODE";

	private static final String LAST = """
			SELECT kek_id, opens FROM kek_in_use ORDER BY recorded_seq DESC LIMIT 1
			""";

	private static final String RECORD = """
			INSERT INTO kek_in_use (kek_id, recorded_at, opens) VALUES (:kek, :at, :opens)
			ON CONFLICT (kek_id) DO UPDATE SET recorded_at = EXCLUDED.recorded_at, recorded_seq = EXCLUDED.recorded_seq,
			  opens = EXCLUDED.opens
			""";

	/** The start recorded last: its node's key id and the ids that node opened (current, previous, next). */
	private record Last(String id, List<String> opens) {
	}

	private final KeyEncryptionKey kek;
	private final JdbcClient jdbc;
	private final TransactionTemplate transactions;
	private final Clock clock;

	/** On an empty record: the transaction that holds the table's lock from the first check to the record. */
	private @Nullable Connection firstRecord;

	private KeyEncryptionKeyInUse(KeyEncryptionKey kek, JdbcClient jdbc, TransactionTemplate transactions, Clock clock,
			@Nullable Connection firstRecord) {
		this.kek = kek;
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.clock = clock;
		this.firstRecord = firstRecord;
	}

	/**
	 * The first check of a node's start, as its {@code kek} is made: refuses {@code kek} when the key id recorded last
	 * is one it does not have ({@link KeyEncryptionKeyNotInUse}). When the record is empty, takes the table's lock on a
	 * connection of its own from {@code dataSource} and holds it until {@link #afterSingletonsInstantiated} records
	 * this node's key (or {@link #destroy} gives it up): a node whose first check comes meanwhile waits for it.
	 */
	static KeyEncryptionKeyInUse checked(KeyEncryptionKey kek, DataSource dataSource, JdbcClient jdbc,
			TransactionTemplate transactions, Clock clock) {
		Optional<Last> last = last(jdbc);
		if (last.isPresent()) {
			refuseUnlessOpens(kek, last.get());
			return new KeyEncryptionKeyInUse(kek, jdbc, transactions, clock, null);
		}
		Connection connection = null;
		try {
			connection = dataSource.getConnection();
			connection.setAutoCommit(false);
			JdbcClient locked = JdbcClient.create(new SingleConnectionDataSource(connection, true));
			lock(locked);
			last = last(locked);
			if (last.isPresent()) { // another node recorded its key while this one waited for the lock
				connection.rollback();
				connection.close();
				refuseUnlessOpens(kek, last.get());
				return new KeyEncryptionKeyInUse(kek, jdbc, transactions, clock, null);
			}
			return new KeyEncryptionKeyInUse(kek, jdbc, transactions, clock, connection);
		}
		catch (SQLException | RuntimeException e) {
			giveUp(connection);
			if (e instanceof KeyEncryptionKeyNotInUse refused) {
				throw refused;
			}
			throw new IllegalStateException("This node could not check its key-encryption key against the record of the "
					+ "key in use (kek_in_use), which is empty: another node is starting on it and has not recorded its "
					+ "key within the lock timeout (10 s), or the database did not answer. Start this node again "
					+ "(docs/OPERATIONS.md, \"Changing the key-encryption key\").", e);
		}
	}

	/** The key this node's start checked. */
	KeyEncryptionKey key() {
		return kek;
	}

	private static void lock(JdbcClient jdbc) {
		// a start waits at most this long for another's record (or an operator's open transaction) to end
		jdbc.sql("SET LOCAL lock_timeout = '10s'").update();
		jdbc.sql(LOCK).update();
	}

	private static void giveUp(@Nullable Connection connection) {
		if (connection == null) {
			return;
		}
		try (connection) {
			connection.rollback();
		}
		catch (SQLException e) {
			log.debug("Giving up the lock of kek_in_use", e);
		}
	}

	private static Optional<Last> last(JdbcClient jdbc) {
		return jdbc.sql(LAST)
			.query((rs, n) -> new Last(rs.getString("kek_id"),
					List.of((String[]) rs.getArray("opens").getArray())))
			.optional();
	}

	/**
	 * Two questions: can this node open what the node recorded last seals (its key is this node's current, previous or
	 * next one), and can that node's fleet open what this node seals (this node's key is among those that node opened,
	 * or this node lists that node's key as previous: the step of a rotation that moves on, whose nodes the old ones
	 * were told of by their next key, or a single node that skips that step). The second refuses a node of step 1 (the
	 * old key, the new one next) started after the rotation ended: it would seal under the old key, which the fleet
	 * dropped, and record it.
	 */
	private static void refuseUnlessOpens(KeyEncryptionKey kek, Last last) {
		if (!kek.opens(last.id())) {
			throw new KeyEncryptionKeyNotInUse(last.id(), kek.id(), kek.previousIds(), kek.nextIds());
		}
		if (!last.opens().contains(kek.id()) && !kek.previousIds().contains(last.id())) {
			throw KeyEncryptionKeyNotInUse.notOpenedBy(last.id(), last.opens(), kek.id());
		}
	}

	/**
	 * Once every bean is made: checks again, under the table's lock, and records this node's current key id; on an
	 * empty record, in the transaction whose lock the first check took ({@link #checked}).
	 */
	@Override
	public void afterSingletonsInstantiated() {
		Connection held = firstRecord;
		if (held == null) {
			transactions.executeWithoutResult(tx -> {
				lock(jdbc);
				record(jdbc);
			});
			return;
		}
		try (held) {
			record(JdbcClient.create(new SingleConnectionDataSource(held, true)));
			held.commit();
		}
		catch (SQLException e) {
			throw new IllegalStateException("Could not record the key-encryption key in use (kek_in_use)", e);
		}
		finally {
			firstRecord = null;
		}
	}

	private void record(JdbcClient locked) {
		Optional<Last> last = last(locked);
		last.ifPresent(l -> refuseUnlessOpens(kek, l));
		locked.sql(RECORD).param("kek", kek.id()).param("at", Timestamp.from(clock.instant()))
			.param("opens", kek.openingIds().toArray(String[]::new)).update();
		if (last.isPresent() && !last.get().id().equals(kek.id())) {
			log.info("Key-encryption key {} recorded as the one in use; the one recorded before, {}, is listed here as "
					+ "a previous or next key", kek.id(), last.get().id());
		}
	}

	/** A start that fails before its record (or a stop before it) gives the lock of an empty record up, recording nothing. */
	@Override
	public void destroy() {
		Connection held = firstRecord;
		firstRecord = null;
		giveUp(held);
	}
}
