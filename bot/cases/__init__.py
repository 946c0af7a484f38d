"""Cases (zaken): reports, complaints, callback requests and questions for a department."""
