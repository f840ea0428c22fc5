/*
 * csv.h - RFC 4180 CSV: CRLF line ends, a field quoted when it holds a comma,
 * a quote, CR or LF (or starts/ends with a space), quotes doubled inside.
 * UTF-8 passes through untouched.
 */
#ifndef KEFU_CSV_H
#define KEFU_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Appends one field; `first` omits the leading comma. NULL writes nothing. */
void kefu_csv_field(kefu_buf *b, const char *s, bool first);
/* Ends the record with CRLF. */
void kefu_csv_end_row(kefu_buf *b);

#endif
