/* kefu-returns: the returns service binary. */
#include "returns.h"

int main(int argc, char **argv)
{
    return kefu_service_main(&returns_service, argc, argv);
}
