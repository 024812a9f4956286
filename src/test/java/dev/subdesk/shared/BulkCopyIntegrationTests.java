package dev.subdesk.shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.subdesk.testing.SubdeskIntegrationTest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What {@link BulkCopy} writes is what PostgreSQL stores: text with quotes, separators, line breaks, backslashes and
 * characters of every width (and random text besides), the empty string apart from SQL NULL, integers at their
 * limits, instants before and after PostgreSQL's epoch rounded to its microseconds, JSON, and batches of many chunks;
 * a COPY that PostgreSQL refuses (a value of another type than its column) fails the transaction.
 */
@SubdeskIntegrationTest
class BulkCopyIntegrationTests {

	private static final Instant AT = Instant.parse("2026-12-05T04:00:00Z");

	@Autowired
	DataSource dataSource;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	TransactionTemplate transactions;

	record Row(long id, @Nullable String text, long number, Instant at) {
	}

	@Test
	void everyValueComesBackAsItWasAdded() {
		List<String> texts = new ArrayList<>(List.of("", "plain", "\"", "\"\"", "a \"quoted\" word", "a,b", "line\nbreak",
				"cr\r\nlf", "back\\slash", "\\N", "tab\there", "\u00fc\u00e9\u00df", "\u20ac 59,99", "\uD83D\uDCA5 \u202E",
				"'single'", "{\"json\": [1, \"two\", null]}", " leading and trailing ", "x".repeat(100_000)));
		Random random = new Random(20261205);
		for (int i = 0; i < 200; i++) {
			texts.add(randomText(random));
		}
		List<Row> rows = new ArrayList<>();
		for (int i = 0; i < texts.size(); i++) {
			rows.add(new Row(i, texts.get(i), i % 2 == 0 ? Long.MIN_VALUE + i : Long.MAX_VALUE - i, AT.plusSeconds(i)));
		}
		rows.add(new Row(rows.size(), null, 0, AT));

		List<Row> stored = transactions.execute(tx -> {
			jdbc.sql("CREATE TEMP TABLE bulk_copy_check (id bigint, text text, number bigint, at timestamptz) ON COMMIT DROP")
				.update();
			BulkCopy copy = new BulkCopy(4);
			rows.forEach(row -> copy.row().int8(row.id()).text(row.text()).int8(row.number()).timestamptz(row.at()));
			copy.into(dataSource, "bulk_copy_check (id, text, number, at)");
			return jdbc.sql("SELECT id, text, number, at FROM bulk_copy_check ORDER BY id")
				.query((rs, n) -> new Row(rs.getLong("id"), rs.getString("text"), rs.getLong("number"),
						rs.getTimestamp("at").toInstant()))
				.list();
		});
		assertThat(stored).containsExactlyElementsOf(rows);
	}

	@Test
	void charactersSplitAcrossChunksAndRowsOfOnlyNullComeBackAsTheyWere() {
		// the bytes are kept in chunks: a character of two to four bytes, a quote doubled, a line break may fall on
		// the end of one
		List<Row> rows = new ArrayList<>();
		for (int shift = 0; shift < 12; shift++) {
			rows.add(new Row(rows.size(), "x".repeat(BulkCopy.CHUNK - 40 - shift) + "\uD83D\uDCA5\u00e9\"\n\u20ac", shift,
					AT.plusSeconds(shift)));
		}
		List<@Nullable String> stored = transactions.execute(tx -> {
			jdbc.sql("CREATE TEMP TABLE bulk_copy_chunks (id bigint, text text, number bigint, at timestamptz) ON COMMIT DROP")
				.update();
			BulkCopy copy = new BulkCopy(4);
			rows.forEach(row -> copy.row().int8(row.id()).text(row.text()).int8(row.number()).timestamptz(row.at()));
			copy.into(dataSource, "bulk_copy_chunks (id, text, number, at)");
			jdbc.sql("CREATE TEMP TABLE bulk_copy_nulls (text text) ON COMMIT DROP").update();
			BulkCopy nulls = new BulkCopy(1);
			nulls.row().text(null).row().text(null);
			nulls.into(dataSource, "bulk_copy_nulls (text)");
			assertThat(jdbc.sql("SELECT count(*) FROM bulk_copy_nulls WHERE text IS NULL").query(Long.class).single())
				.as("rows of only NULL").isEqualTo(2);
			return jdbc.sql("SELECT text FROM bulk_copy_chunks ORDER BY id").query(String.class).list();
		});
		assertThat(stored).containsExactlyElementsOf(rows.stream().map(Row::text).toList());
	}

	@Test
	void aCopyThatPostgresqlRefusesFailsItsTransaction() {
		assertThatThrownBy(() -> transactions.executeWithoutResult(tx -> {
			jdbc.sql("CREATE TEMP TABLE bulk_copy_refused (id bigint PRIMARY KEY) ON COMMIT DROP").update();
			BulkCopy copy = new BulkCopy(1);
			copy.row().int8(1).row().int8(1);
			copy.into(dataSource, "bulk_copy_refused (id)");
		})).isInstanceOf(DataAccessException.class).hasMessageContaining("bulk_copy_refused");
		// the connection went back to the pool in a usable state
		assertThat(jdbc.sql("SELECT 1").query(Integer.class).single()).isEqualTo(1);
	}

	@Test
	void integersInstantsAndJsonComeBackAsTheyWereAdded() {
		List<Instant> instants = List.of(Instant.parse("1999-12-31T23:59:59.999999Z"), Instant.parse("2000-01-01T00:00:00Z"),
				Instant.parse("1970-01-01T00:00:00Z"), AT, AT.plusNanos(1_234_567), AT.plusNanos(999_999_500),
				Instant.parse("2200-06-30T12:00:00.000001Z"));
		List<String> json = List.of("{}", "[]", "{\"a\": [1, \"two\", null, true], \"\u00fc\": {\"\\\"q\": 1.5}}", "\"text\"",
				"123", "null");
		record Stored(int number, Instant at, String json) {
		}
		List<Stored> stored = transactions.execute(tx -> {
			jdbc.sql("CREATE TEMP TABLE bulk_copy_types (i int, at timestamptz, j jsonb) ON COMMIT DROP").update();
			BulkCopy copy = new BulkCopy(3);
			for (int i = 0; i < instants.size(); i++) {
				copy.row().int4(i == 0 ? Integer.MIN_VALUE : i == 1 ? Integer.MAX_VALUE : -i).timestamptz(instants.get(i))
					.jsonb(json.get(i % json.size()));
			}
			copy.into(dataSource, "bulk_copy_types (i, at, j)");
			return jdbc.sql("SELECT i, at, j::text AS j FROM bulk_copy_types ORDER BY at")
				.query((rs, n) -> new Stored(rs.getInt("i"), rs.getTimestamp("at").toInstant(), rs.getString("j")))
				.list();
		});
		assertThat(stored).extracting(Stored::at)
			.containsExactly(Instant.parse("1970-01-01T00:00:00Z"), Instant.parse("1999-12-31T23:59:59.999999Z"),
					Instant.parse("2000-01-01T00:00:00Z"), AT, AT.plusNanos(1_235_000), AT.plusSeconds(1),
					Instant.parse("2200-06-30T12:00:00.000001Z"));
		assertThat(stored).extracting(Stored::number)
			.containsExactly(-2, Integer.MIN_VALUE, Integer.MAX_VALUE, -3, -4, -5, -6);
		assertThat(stored.get(3).json()).isEqualTo("\"text\"");
		assertThat(jdbc.sql("SELECT CAST(:j AS jsonb)::text").param("j", json.get(2)).query(String.class).single())
			.as("jsonb as PostgreSQL makes it from the same text").isEqualTo(stored.get(0).json());
	}

	@Test
	void aValueOfAnotherTypeThanItsColumnFailsTheTransactionAndARowOfTheWrongLengthIsRefusedAtOnce() {
		assertThatThrownBy(() -> transactions.executeWithoutResult(tx -> {
			jdbc.sql("CREATE TEMP TABLE bulk_copy_typed (i int) ON COMMIT DROP").update();
			BulkCopy copy = new BulkCopy(1);
			copy.row().int8(1);
			copy.into(dataSource, "bulk_copy_typed (i)");
		})).isInstanceOf(DataAccessException.class).hasMessageContaining("bulk_copy_typed");
		assertThat(jdbc.sql("SELECT 1").query(Integer.class).single()).isEqualTo(1);
		assertThatThrownBy(() -> new BulkCopy(2).row().text("one").row()).isInstanceOf(IllegalStateException.class)
			.hasMessageContaining("has 1 values, not 2");
		assertThatThrownBy(() -> new BulkCopy(1).row().text("one").text("two")).isInstanceOf(IllegalStateException.class);
		assertThatThrownBy(() -> new BulkCopy(1).text("no row")).isInstanceOf(IllegalStateException.class);
	}

	/** Random text of code points PostgreSQL's text can hold (no NUL, no lone surrogate). */
	private static String randomText(Random random) {
		int length = random.nextInt(40);
		StringBuilder out = new StringBuilder();
		char[] special = { '"', ',', '\n', '\r', '\\', '\t', ' ' };
		for (int i = 0; i < length; i++) {
			switch (random.nextInt(4)) {
				case 0 -> out.append(special[random.nextInt(special.length)]);
				case 1 -> out.append((char) ('a' + random.nextInt(26)));
				case 2 -> out.appendCodePoint(0x80 + random.nextInt(0xD7FF - 0x80));
				default -> out.appendCodePoint(0x10000 + random.nextInt(0x10FFFF - 0x10000));
			}
		}
		return out.toString();
	}
}
