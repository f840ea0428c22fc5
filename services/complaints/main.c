/* kefu-complaints: the complaints service binary. */
#include "complaints.h"

int main(int argc, char **argv)
{
    return kefu_service_main(&complaints_service, argc, argv);
}
