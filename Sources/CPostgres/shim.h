// libpq, PostgreSQL's client library (Debian package libpq-dev).
#include <postgresql/libpq-fe.h>
