/* kefu-visits: the visits service binary. */
#include "visits.h"

int main(int argc, char **argv)
{
    return kefu_service_main(&visits_service, argc, argv);
}
