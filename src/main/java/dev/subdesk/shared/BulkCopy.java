package dev.subdesk.shared;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.datasource.DataSourceUtils;

/**
 * Bulk inserts with PostgreSQL's {@code COPY ... FROM STDIN (FORMAT binary)} on the connection of the current
 * transaction: the fastest way to write the rows of a thousand renewals at once (the events, charges and notices of
 * a renewal batch are most of what the renewal engine writes).
 * <p>
 * Binary, not CSV: each value goes as its length and its bytes in the column type's own wire format, so neither side
 * scans text for quotes and line ends, and PostgreSQL parses no numbers or timestamps (in a perf profile of a renewal
 * run, reading CSV lines and fields was a tenth of PostgreSQL's CPU). The format is typed: each value must be added
 * with the method of its column's type ({@link #text}, {@link #int8}, {@link #int4}, {@link #timestamptz},
 * {@link #json}, {@link #jsonb}); a mismatch fails the COPY and its transaction, it never stores a wrong value.
 * <p>
 * The bytes are kept in chunks of {@value #CHUNK} bytes, never in one array as large as the batch: a batch's rows
 * are a megabyte or more, which G1 allocates as a humongous object, and each such allocation started a concurrent
 * marking cycle (69 in a 300,000-renewal run, a concurrent GC thread busy a tenth of the run).
 */
public final class BulkCopy {

	/** Bytes in a chunk: far below half a G1 region (1 MB for heaps under 2 GB), above the driver's own buffer. */
	static final int CHUNK = 32 * 1024;

	/** The binary COPY signature, then 32-bit flags (none) and the length of the header extension (none). */
	private static final byte[] HEADER = { 'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0, 0, 0, 0, 0,
			0, 0, 0, 0 };

	/** Seconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z. */
	private static final long POSTGRES_EPOCH = 946_684_800L;

	/** The version byte that starts a jsonb value in binary form. */
	private static final byte JSONB_VERSION = 1;

	private final int columns;

	/** The chunks already full. */
	private final List<byte[]> full = new ArrayList<>();
	private byte[] bytes = new byte[CHUNK];
	/** Bytes used in {@link #bytes}. */
	private int size;
	/** Rows started. */
	private int rows;
	/** Values added to the current row. */
	private int added;

	/** A copy of rows of {@code columns} values each, in the order of the columns {@link #into} names. */
	public BulkCopy(int columns) {
		if (columns < 1 || columns > Short.MAX_VALUE) {
			throw new IllegalArgumentException("A row has 1 to 32767 columns, not " + columns);
		}
		this.columns = columns;
		write(HEADER, 0, HEADER.length);
	}

	/** Starts a row. */
	public BulkCopy row() {
		checkRowComplete();
		rows++;
		added = 0;
		int16(columns);
		return this;
	}

	/** A {@code text} value (or {@code varchar}); null is SQL NULL, the empty string an empty text. */
	public BulkCopy text(@Nullable String value) {
		return utf8(value, false);
	}

	/** A {@code bigint} value. */
	public BulkCopy int8(long value) {
		value();
		int32(8);
		int64(value);
		return this;
	}

	/** An {@code integer} value. */
	public BulkCopy int4(int value) {
		value();
		int32(4);
		int32(value);
		return this;
	}

	/**
	 * A {@code timestamptz} value: microseconds since 2000-01-01 UTC, rounded to the nearest microsecond as
	 * PostgreSQL rounds a timestamp written with more digits.
	 */
	public BulkCopy timestamptz(Instant value) {
		value();
		long micros = Math.multiplyExact(value.getEpochSecond() - POSTGRES_EPOCH, 1_000_000L)
				+ (value.getNano() + 500) / 1_000;
		int32(8);
		int64(micros);
		return this;
	}

	/** A {@code json} value, its JSON text (PostgreSQL checks it); null is SQL NULL. */
	public BulkCopy json(@Nullable String json) {
		// json's binary form is its text
		return utf8(json, false);
	}

	/** A {@code jsonb} value from its JSON text (PostgreSQL parses and checks it); null is SQL NULL. */
	public BulkCopy jsonb(@Nullable String json) {
		return utf8(json, true);
	}

	/** Text as UTF-8, after jsonb's version byte if {@code jsonb}. */
	private BulkCopy utf8(@Nullable String value, boolean jsonb) {
		value();
		if (value == null) {
			int32(-1);
			return this;
		}
		byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
		int32(jsonb ? utf8.length + 1 : utf8.length);
		if (jsonb) {
			write(JSONB_VERSION);
		}
		write(utf8, 0, utf8.length);
		return this;
	}

	/** Copies the rows into {@code table (columns)} within the current transaction; once. */
	public void into(DataSource dataSource, String tableAndColumns) {
		if (rows == 0) {
			return;
		}
		checkRowComplete();
		int16(-1);
		Connection connection = DataSourceUtils.getConnection(dataSource);
		CopyIn copy = null;
		try {
			copy = connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyIn("COPY " + tableAndColumns + " FROM STDIN (FORMAT binary)");
			for (byte[] chunk : full) {
				copy.writeToCopy(chunk, 0, chunk.length);
			}
			copy.writeToCopy(bytes, 0, size);
			copy.endCopy();
		}
		catch (SQLException e) {
			cancel(copy);
			throw new DataAccessResourceFailureException("COPY into " + tableAndColumns + " failed", e);
		}
		finally {
			DataSourceUtils.releaseConnection(connection, dataSource);
		}
	}

	private static void cancel(@Nullable CopyIn copy) {
		if (copy != null && copy.isActive()) {
			try {
				copy.cancelCopy();
			}
			catch (SQLException ignored) {
				// the transaction fails anyway: the COPY's own error is the one to report
			}
		}
	}

	private void value() {
		if (rows == 0) {
			throw new IllegalStateException("A value before the first row()");
		}
		if (++added > columns) {
			throw new IllegalStateException("Row " + rows + " has more than " + columns + " values");
		}
	}

	private void checkRowComplete() {
		if (rows > 0 && added != columns) {
			throw new IllegalStateException("Row " + rows + " has " + added + " values, not " + columns);
		}
	}

	private void int16(int value) {
		write((byte) (value >>> 8));
		write((byte) value);
	}

	private void int32(int value) {
		write((byte) (value >>> 24));
		write((byte) (value >>> 16));
		write((byte) (value >>> 8));
		write((byte) value);
	}

	private void int64(long value) {
		int32((int) (value >>> 32));
		int32((int) value);
	}

	private void write(byte b) {
		if (size == bytes.length) {
			next();
		}
		bytes[size++] = b;
	}

	private void write(byte[] source, int from, int length) {
		while (length > 0) {
			if (size == bytes.length) {
				next();
			}
			int part = Math.min(length, bytes.length - size);
			System.arraycopy(source, from, bytes, size, part);
			size += part;
			from += part;
			length -= part;
		}
	}

	/** Starts a new chunk, the current one being full. */
	private void next() {
		full.add(bytes);
		bytes = new byte[CHUNK];
		size = 0;
	}
}
