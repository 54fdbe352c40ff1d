// libxcrypt (Debian's libcrypt-dev): bcrypt ($2a$, $2b$, $2x$, $2y$) through crypt_rn, the
// reentrant form that writes into a caller's buffer and reports failure as NULL.
#include <crypt.h>
